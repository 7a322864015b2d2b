#!/usr/bin/env bash
# Checkout benchmark through the router (BENCHMARKS.md): starts a release `micromall` on fresh
# data, either embedded (SQLite, in-process bus) or on PostgreSQL + NATS + Redis, runs the
# load generator against it and stops it.
#
#   tests/load/checkout.sh embedded [CUSTOMERS] [SECONDS]
#   POSTGRES_URL=postgres://postgres@127.0.0.1:5432/postgres NATS_URL=nats://127.0.0.1:4222 \
#   REDIS_URL=redis://127.0.0.1:6379 tests/load/checkout.sh distributed [CUSTOMERS] [SECONDS]
set -euo pipefail
mode=${1:-embedded}
customers=${2:-50}
seconds=${3:-30}
cd "$(dirname "$0")/../.."
cargo build --release --quiet --bin micromall --example checkout_load

data=$(mktemp -d)
export MICROMALL_DATA_DIR=$data MICROMALL_DEMO_DATA=0 RUST_LOG=error
export MICROMALL_ADMIN_EMAIL=bench@example.com MICROMALL_ADMIN_PASSWORD='bench password 123'
# Login throttling holds a slot per attempt in flight; keep the address limit high.
export MICROMALL_LOGIN_ADDRESS_LOCK_AFTER=100000
# Every simulated customer registers from this one machine, all at once.
export MICROMALL_REGISTER_PER_ADDRESS=100000 MICROMALL_HASHING_QUEUE=100000
# Each load customer checks out over and over without paying: lift the cap on unpaid orders.
export MICROMALL_ORDERS_MAX_PENDING_PER_CUSTOMER=1000000
if [ "$mode" = distributed ]; then
  : "${POSTGRES_URL:?set POSTGRES_URL (an admin connection)}" "${NATS_URL:?set NATS_URL}"
  run=bench$(date +%s)
  for sub in accounts catalog search inventory cart orders payments; do
    psql "$POSTGRES_URL" -qc "CREATE DATABASE ${run}_${sub}" >/dev/null
    export "MICROMALL_${sub^^}_DATABASE_URL=${POSTGRES_URL%/*}/${run}_${sub}"
  done
  export MICROMALL_NATS_PREFIX=$run
else
  unset NATS_URL REDIS_URL
fi

target/release/micromall &
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null; rm -rf "$data"' EXIT
until curl -sf http://127.0.0.1:4000/health >/dev/null; do sleep 0.2; done
echo "mode: $mode"
target/release/examples/checkout_load http://127.0.0.1:4000 "$MICROMALL_ADMIN_EMAIL" \
  "$MICROMALL_ADMIN_PASSWORD" "$customers" "$seconds"
echo "peak RSS: $(grep VmHWM /proc/$pid/status | awk '{print $2/1024 " MiB"}')"
