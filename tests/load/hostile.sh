#!/usr/bin/env bash
# Hostile operations against a release `micromall` (docs/security.md, "Measured"): how long the
# router takes to answer a 30-level fragment bomb and to refuse the nested products query, each
# sent as a new document every time (a comment makes it distinct, so no cache helps), and how
# much the process's peak memory grows meanwhile.
#
#   tests/load/hostile.sh [ROUNDS]
set -euo pipefail
rounds=${1:-50}
cd "$(dirname "$0")/../.."
cargo build --release --quiet --bin micromall
bin=${CARGO_TARGET_DIR:-target}/release/micromall

data=$(mktemp -d)
port=4500
export MICROMALL_DATA_DIR=$data MICROMALL_DEMO_DATA=0 RUST_LOG=error
export MICROMALL_ROUTER_LISTEN=127.0.0.1:$port MICROMALL_SUBGRAPH_PORT_BASE=$((port + 1))
export MICROMALL_SANDBOX_LISTEN=127.0.0.1:$((port + 12))
"$bin" &
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null; rm -rf "$data"' EXIT
until curl -sf "http://127.0.0.1:$port/health" >/dev/null; do sleep 0.2; done

peak_kb() { awk '/VmHWM/ { print $2 }' "/proc/$pid/status"; }

bomb='query{...F0}'
for i in $(seq 0 28); do bomb="$bomb fragment F$i on Query{...F$((i + 1)) ...F$((i + 1))}"; done
bomb="$bomb fragment F29 on Query{__typename}"
nested='{ products(first:100){ nodes { name category { products(first:100){ nodes { name category { products(first:100){ nodes { name variants { stock { available } } } } } } } } } } }'

# Times `rounds` distinct copies of a query; prints the median and the slowest, in ms, and
# the answer of the last one.
measure() { # name query
  local times=() answer
  for i in $(seq 1 "$rounds"); do
    body=$(jq -cn --arg q "$2 # $i" '{query: $q}')
    answer=$(curl -s -o /tmp/hostile.out -w '%{time_total}' -H 'content-type: application/json' \
      -d "$body" "http://127.0.0.1:$port/graphql")
    times+=("$answer")
  done
  printf '%s\n' "${times[@]}" | sort -n | awk -v name="$1" '{ t[NR] = $1 * 1000 }
    END { printf "%-22s median %6.1f ms   slowest %6.1f ms   (%d documents)\n", name, t[int((NR + 1) / 2)], t[NR], NR }'
  echo "  answer: $(head -c 200 /tmp/hostile.out)"
}

curl -s -H 'content-type: application/json' -d '{"query":"{ __typename }"}' "http://127.0.0.1:$port/graphql" >/dev/null
before=$(peak_kb)
measure "fragment bomb (30)" "$bomb"
measure "nested products" "$nested"
after=$(peak_kb)
echo "peak RSS: ${before} kB before, ${after} kB after (+$(( (after - before) / 1024 )) MiB)"
