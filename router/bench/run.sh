#!/usr/bin/env bash
# The router under load, side by side with Hive Router, on the scenario of
# graphql-hive/graphql-gateways-benchmark: builds what is needed, then runs compare.py (the
# method: both routers alternately, three rounds, deduplication off and each router's
# defaults, answers checked against the benchmark's expected payload, medians).
#
# usage: router/bench/run.sh BENCHMARK_CHECKOUT HIVE_ROUTER_BINARY [DURATION] [ROUNDS]
#
#   BENCHMARK_CHECKOUT  a clone of graphql-hive/graphql-gateways-benchmark
#   HIVE_ROUTER_BINARY  e.g. from `CARGO_RESOLVER_INCOMPATIBLE_RUST_VERSIONS=fallback
#                       cargo install hive-router@0.2.19 --locked --features graphiql`
#   DURATION            of each measured run, as `hey -z` takes it (default 20s)
#   ROUNDS              per router and setup (default 3)
#
# Needs `hey` (Debian package `hey`). Everything listens on 127.0.0.1 only.
set -euo pipefail

bench="$(cd "${1:?usage: $0 BENCHMARK_CHECKOUT HIVE_ROUTER_BINARY [DURATION] [ROUNDS]}" && pwd)"
hive="$(realpath "${2:?hive router binary}")"
repo="$(cd "$(dirname "$0")/../.." && pwd)"
target="${CARGO_TARGET_DIR:-$repo/target}"

echo "building..." >&2
(cd "$repo" && cargo build --release --quiet --bin micromall)
(cd "$bench/subgraphs" && CARGO_TARGET_DIR="$bench/target" cargo build --release --quiet)

exec python3 "$repo/router/bench/compare.py" "$bench" "$hive" \
  --micromall "$target/release/micromall" --subgraphs "$bench/target/release/subgraphs" \
  --duration "${3:-20s}" --rounds "${4:-3}"
