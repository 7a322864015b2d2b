#!/usr/bin/env bash
# The router under load, side by side with Hive Router, on the scenario of
# graphql-hive/graphql-gateways-benchmark: its four async-graphql subgraphs and its deep query.
#
# usage: router/bench/run.sh BENCHMARK_CHECKOUT HIVE_ROUTER_BINARY [DURATION] [CONCURRENCY]
#
#   BENCHMARK_CHECKOUT  a clone of graphql-hive/graphql-gateways-benchmark
#   HIVE_ROUTER_BINARY  e.g. from `CARGO_RESOLVER_INCOMPATIBLE_RUST_VERSIONS=fallback
#                       cargo install hive-router@0.2.19 --locked --features graphiql`
#   DURATION            per router, as `hey -z` takes it (default 30s)
#   CONCURRENCY         concurrent clients (default 50)
#
# Needs `hey` (Debian package `hey`). Everything listens on 127.0.0.1 only. Both routers get the
# same supergraph (composed by `micromall compose` from the running subgraphs), the same
# query and the same load; Hive Router's subgraph request deduplication is turned off, and
# ours has none, so every client request costs its subgraph calls on both.
set -euo pipefail

bench="$(cd "${1:?usage: $0 BENCHMARK_CHECKOUT HIVE_ROUTER_BINARY [DURATION] [CONCURRENCY]}" && pwd)"
hive="$(realpath "${2:?hive router binary}")"
duration="${3:-30s}"
concurrency="${4:-50}"
repo="$(cd "$(dirname "$0")/../.." && pwd)"
work="$(mktemp -d)"
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT

wait_for() { for _ in $(seq 1 200); do curl -fsS "$1" >/dev/null 2>&1 && return 0; sleep 0.1; done; echo "no answer from $1" >&2; return 1; }

echo "building..." >&2
(cd "$repo" && cargo build --release --quiet)
(cd "$bench/subgraphs" && CARGO_TARGET_DIR="$bench/target" cargo build --release --quiet)

HOST=127.0.0.1 PORT=4200 "$bench/target/release/subgraphs" >"$work/subgraphs.log" 2>&1 &
pids+=($!)
wait_for http://127.0.0.1:4200/health

"$repo/target/release/micromall" compose \
  --subgraph accounts=http://127.0.0.1:4200/accounts \
  --subgraph inventory=http://127.0.0.1:4200/inventory \
  --subgraph products=http://127.0.0.1:4200/products \
  --subgraph reviews=http://127.0.0.1:4200/reviews \
  --output "$work/supergraph.graphql"

# The benchmark's own query, taken from its k6 script.
python3 - "$bench/k6.js" "$work/body.json" <<'PY'
import json, re, sys
source = open(sys.argv[1]).read()
query = re.search(r"query:\s*`(.*?)`", source, re.S).group(1)
json.dump({"query": query}, open(sys.argv[2], "w"))
PY

cat > "$work/router.config.yaml" <<YAML
supergraph:
  source: file
  path: $work/supergraph.graphql
log:
  level: error
traffic_shaping:
  all:
    dedupe_enabled: false
YAML

load() { # name url pid
  local name="$1" url="$2" pid="$3"
  hey -n 2000 -c "$concurrency" -m POST -T application/json -D "$work/body.json" "$url" >/dev/null
  hey -z "$duration" -c "$concurrency" -m POST -T application/json -D "$work/body.json" "$url" >"$work/$name.txt"
  local rss; rss=$(awk '/VmHWM/ { printf "%.0f", $2 / 1024 }' "/proc/$pid/status")
  local rps p50 p95 ok total
  rps=$(awk '/Requests\/sec/ { printf "%.0f", $2 }' "$work/$name.txt")
  p50=$(awk '/ 50% in/ { printf "%.1f", $3 * 1000 }' "$work/$name.txt")
  p95=$(awk '/ 95% in/ { printf "%.1f", $3 * 1000 }' "$work/$name.txt")
  ok=$(awk '/\[200\]/ { print $2 }' "$work/$name.txt")
  total=$(awk '/\[[0-9]+\]/ { n += $2 } END { print n }' "$work/$name.txt")
  printf '| %s | %s | %s ms | %s ms | %s MiB | %s / %s |\n' "$name" "$rps" "$p50" "$p95" "$rss" "${ok:-0}" "${total:-0}"
}

check() { # url: the answer must be complete, or the numbers mean nothing
  curl -fsS "$1" -H 'content-type: application/json' --data @"$work/body.json" |
    python3 -c 'import json,sys; r=json.load(sys.stdin); assert "errors" not in r and r["data"]["users"] and r["data"]["topProducts"], r'
}

echo "| router | requests/s | p50 | p95 | peak RSS | 200 OK / requests |"
echo "|---|---|---|---|---|---|"

MICROMALL_DATA_DIR="$work/data" MICROMALL_ROUTER_LISTEN=127.0.0.1:4000 RUST_LOG=error \
  "$repo/target/release/micromall" router --supergraph "$work/supergraph.graphql" >"$work/micromall.log" 2>&1 &
pid=$!; pids+=($pid)
wait_for http://127.0.0.1:4000/health
check http://127.0.0.1:4000/graphql
load micromall http://127.0.0.1:4000/graphql "$pid"
kill "$pid"; wait "$pid" 2>/dev/null || true

(cd "$work" && PORT=4100 "$hive" >"$work/hive.log" 2>&1) &
pid=$!; pids+=($pid)
wait_for http://127.0.0.1:4100/health
check http://127.0.0.1:4100/graphql
hive_pid=$(pgrep -f "^$hive" | head -n1 || echo "$pid")
load hive-router http://127.0.0.1:4100/graphql "$hive_pid"
