#!/usr/bin/env python3
"""Micromall's router and Hive Router side by side on graphql-hive/graphql-gateways-benchmark.

  router/bench/compare.py BENCH_CHECKOUT HIVE_ROUTER_BINARY --micromall BIN --subgraphs BIN
                          [--duration 20s] [--rounds 3] [--concurrency 50]

BENCH_CHECKOUT is a clone of the benchmark; its subgraphs binary is built from it with
`cargo build --release` (pass its path as --subgraphs). Both routers get the same supergraph
(composed by `micromall compose` from the running subgraphs), the benchmark's deep query and
the same load (`hey`, CONCURRENCY clients, after a 2,000-request warm-up). Two setups, each
router given it in turn, ROUNDS rounds each, alternating routers within a round:

- dedup off: neither router deduplicates subgraph requests;
- defaults:  each router as shipped (both deduplicate identical subgraph queries in flight);
  neither keeps subgraph answers (Micromall's answer cache is off: the benchmark compares
  routing, not caching).

Before measuring, each router's answer must equal the payload the benchmark's k6 script
expects (compared as JSON, key order aside). Reported per router and setup, as medians over
the rounds: requests/s, p50/p95/p99 latency, peak RSS (VmHWM) and router CPU time per request
(utime + stime from /proc over the measured run), and once, through a counting proxy with
requests one at a time, subgraph requests per client request.
"""

import argparse
import http.client
import json
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

SUBGRAPHS = ["accounts", "inventory", "products", "reviews"]
SUBGRAPH_PORT = 4200
PROXY_PORT = 4300
MICROMALL_PORT = 4000
HIVE_PORT = 4100
TICKS = os.sysconf("SC_CLK_TCK")


def wait_for(url, seconds=30):
    deadline = time.time() + seconds
    while time.time() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=1):
                return
        except Exception:
            time.sleep(0.1)
    sys.exit(f"no answer from {url}")


def post(url, body):
    request = urllib.request.Request(url, body, {"content-type": "application/json"})
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.load(response)


def expected_payload(k6):
    """The answer the benchmark's k6 script checks for, as JSON."""
    source = open(k6).read()
    literal = re.search(r"const expectedStructure = (\{.*?\});\s*return checkRecursive", source, re.S).group(1)
    lines = [re.sub(r"^(\s*)([A-Za-z_]\w*):", r'\1"\2":', line) for line in literal.splitlines()]
    return json.loads(re.sub(r",(\s*[}\]])", r"\1", "\n".join(lines)))


def query_of(k6):
    return re.search(r"query:\s*`(.*?)`", open(k6).read(), re.S).group(1)


class Counting(BaseHTTPRequestHandler):
    """Forwards to the subgraphs and counts the requests."""

    count = 0
    lock = threading.Lock()

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("content-length", 0)))
        with Counting.lock:
            Counting.count += 1
        upstream = http.client.HTTPConnection("127.0.0.1", SUBGRAPH_PORT, timeout=30)
        upstream.request("POST", self.path, body, {"content-type": "application/json"})
        answer = upstream.getresponse()
        data = answer.read()
        self.send_response(answer.status)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


class Routers:
    def __init__(self, args, work):
        self.args, self.work = args, work

    def config(self, name, setup, supergraph):
        """The command and environment of router `name` in `setup`."""
        if name == "micromall":
            env = dict(os.environ, MICROMALL_DATA_DIR=f"{self.work}/data",
                       MICROMALL_ROUTER_LISTEN=f"127.0.0.1:{MICROMALL_PORT}", RUST_LOG="error",
                       MICROMALL_ROUTER_SUBGRAPH_CACHE_BYTES="0",
                       MICROMALL_ROUTER_DEDUPLICATE_SUBGRAPH_QUERIES="false" if setup == "dedup off" else "true")
            return [self.args.micromall, "router", "--supergraph", supergraph], env, MICROMALL_PORT, None
        # Hive Router reads router.config.yaml from its working directory.
        home = f"{self.work}/hive-{setup.replace(' ', '-')}-{os.path.basename(supergraph)}"
        os.makedirs(home, exist_ok=True)
        with open(f"{home}/router.config.yaml", "w") as f:
            f.write(f"supergraph:\n  source: file\n  path: {supergraph}\nlog:\n  level: error\n")
            if setup == "dedup off":
                f.write("traffic_shaping:\n  all:\n    dedupe_enabled: false\n")
        return [self.args.hive], dict(os.environ, PORT=str(HIVE_PORT)), HIVE_PORT, home

    def start(self, name, setup, supergraph):
        command, env, port, cwd = self.config(name, setup, supergraph)
        log = open(f"{self.work}/{name}.log", "a")
        process = subprocess.Popen(command, env=env, cwd=cwd, stdout=log, stderr=log)
        wait_for(f"http://127.0.0.1:{port}/health")
        return process, f"http://127.0.0.1:{port}/graphql"


def cpu_seconds(pid):
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


def peak_rss_mib(pid):
    for line in open(f"/proc/{pid}/status"):
        if line.startswith("VmHWM"):
            return int(line.split()[1]) / 1024
    return 0.0


def hey(url, body_file, concurrency, duration=None, requests=None):
    limit = ["-z", duration] if duration else ["-n", str(requests)]
    out = subprocess.run(["hey", *limit, "-c", str(concurrency), "-m", "POST", "-T", "application/json",
                          "-D", body_file, url], capture_output=True, text=True, check=True).stdout
    def pct(p):
        m = re.search(rf"\s{p}% in ([\d.]+) secs", out)
        return float(m.group(1)) * 1000 if m else float("nan")
    codes = {int(c): int(n) for c, n in re.findall(r"\[(\d+)\]\s+(\d+) responses", out)}
    return {
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
        "p50": pct(50), "p95": pct(95), "p99": pct(99),
        "ok": codes.get(200, 0), "total": sum(codes.values()),
    }


def measure(routers, name, setup, supergraph, body, body_file, expected, args):
    process, url = routers.start(name, setup, supergraph)
    try:
        answer = post(url, body)
        if answer != expected:
            sys.exit(f"{name} ({setup}) answered something else than the benchmark expects:\n"
                     f"{json.dumps(answer)[:2000]}")
        hey(url, body_file, args.concurrency, requests=2000)
        before = cpu_seconds(process.pid)
        result = hey(url, body_file, args.concurrency, duration=args.duration)
        result["cpu_ms"] = (cpu_seconds(process.pid) - before) * 1000 / max(result["total"], 1)
        result["rss"] = peak_rss_mib(process.pid)
        if result["ok"] != result["total"]:
            sys.exit(f"{name} ({setup}): {result['total'] - result['ok']} requests were not 200")
        return result
    finally:
        process.terminate()
        process.wait()


def subgraph_requests(routers, name, proxied, body, expected, requests=20):
    process, url = routers.start(name, "dedup off", proxied)
    try:
        Counting.count = 0
        for _ in range(requests):
            if post(url, body) != expected:
                sys.exit(f"{name} answered something else through the counting proxy")
        return Counting.count / requests
    finally:
        process.terminate()
        process.wait()


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("bench")
    parser.add_argument("hive")
    parser.add_argument("--micromall", required=True)
    parser.add_argument("--subgraphs", required=True)
    parser.add_argument("--duration", default="20s")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--concurrency", type=int, default=50)
    args = parser.parse_args()
    if not shutil.which("hey"):
        sys.exit("needs hey (Debian package `hey`)")
    work = tempfile.mkdtemp()
    k6 = os.path.join(args.bench, "k6.js")
    expected = expected_payload(k6)
    body = json.dumps({"query": query_of(k6)}).encode()
    body_file = os.path.join(work, "body.json")
    open(body_file, "wb").write(body)

    subgraphs = subprocess.Popen([args.subgraphs], env=dict(os.environ, HOST="127.0.0.1", PORT=str(SUBGRAPH_PORT)),
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    proxy = ThreadingHTTPServer(("127.0.0.1", PROXY_PORT), Counting)
    threading.Thread(target=proxy.serve_forever, daemon=True).start()
    try:
        wait_for(f"http://127.0.0.1:{SUBGRAPH_PORT}/health")
        supergraph = os.path.join(work, "supergraph.graphql")
        subprocess.run([args.micromall, "compose", *sum(
            (["--subgraph", f"{s}=http://127.0.0.1:{SUBGRAPH_PORT}/{s}"] for s in SUBGRAPHS), []),
            "--output", supergraph], check=True, stdout=subprocess.DEVNULL)
        proxied = os.path.join(work, "proxied.graphql")
        open(proxied, "w").write(open(supergraph).read().replace(
            f"http://127.0.0.1:{SUBGRAPH_PORT}/", f"http://127.0.0.1:{PROXY_PORT}/"))
        routers = Routers(args, work)
        version = subprocess.run([args.hive, "--version"], capture_output=True, text=True).stdout.strip()
        names = ["micromall", "hive-router"]
        calls = {name: subgraph_requests(routers, name, proxied, body, expected) for name in names}
        results = {}
        for setup in ["dedup off", "defaults"]:
            for round_ in range(args.rounds):
                order = names if round_ % 2 == 0 else names[::-1]
                for name in order:
                    r = measure(routers, name, setup, supergraph, body, body_file, expected, args)
                    results.setdefault((name, setup), []).append(r)
                    print(f"# {setup} round {round_ + 1} {name}: {r['rps']:.0f} req/s, p99 {r['p99']:.1f} ms, "
                          f"RSS {r['rss']:.0f} MiB, CPU {r['cpu_ms']:.2f} ms/req", file=sys.stderr)
    finally:
        proxy.shutdown()
        subgraphs.terminate()
        subgraphs.wait()
        shutil.rmtree(work, ignore_errors=True)

    print(f"Hive Router: {version or os.path.basename(args.hive)}; {args.rounds} rounds of {args.duration}, "
          f"{args.concurrency} clients; medians.\n")
    print("| setup | router | requests/s | p50 | p95 | p99 | peak RSS | CPU per request | subgraph requests per request |")
    print("|---|---|---|---|---|---|---|---|---|")
    for setup in ["dedup off", "defaults"]:
        for name in names:
            rs = results[(name, setup)]
            med = {k: statistics.median(r[k] for r in rs) for k in ["rps", "p50", "p95", "p99", "rss", "cpu_ms"]}
            print(f"| {setup} | {name} | {med['rps']:.0f} | {med['p50']:.1f} ms | {med['p95']:.1f} ms | "
                  f"{med['p99']:.1f} ms | {med['rss']:.0f} MiB | {med['cpu_ms']:.2f} ms | {calls[name]:.1f} |")
        ours = statistics.median(r["rps"] for r in results[("micromall", setup)])
        theirs = statistics.median(r["rps"] for r in results[("hive-router", setup)])
        print(f"| {setup} | micromall / hive | {ours / theirs:.2f}× | | | | | | |")


if __name__ == "__main__":
    main()
