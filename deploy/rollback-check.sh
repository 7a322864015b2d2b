#!/usr/bin/env bash
# Run before a release: can the release before run on the schema this one migrates to?
# Migrations only expand (helm/micromall/README.md), so `helm rollback` brings back the old
# pods on the new schema. This script shows it: it migrates fresh PostgreSQL databases with
# this checkout's binary, starts the previous release's binary on them and takes a customer
# through a purchase, then starts this checkout's binary again on the same data and reads the
# order back.
#
#   deploy/rollback-check.sh [PREVIOUS_REF]     default: the newest tag
#
# PREVIOUS_BINARY / CURRENT_BINARY: binaries already built (skips those builds).
# MICROMALL_TEST_POSTGRES_URL: the server to make the databases on (default: local, trust auth).
set -euo pipefail
cd "$(dirname "$0")/.."

postgres=${MICROMALL_TEST_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/postgres}
target=${CARGO_TARGET_DIR:-$PWD/target}
work=$(mktemp -d)
pid=
databases=()

cleanup() {
  [ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
  for db in "${databases[@]}"; do
    psql "$postgres" -qc "DROP DATABASE IF EXISTS $db" >/dev/null 2>&1 || true
  done
  git worktree remove --force "$work/previous" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

say() { printf '== %s\n' "$*"; }

current=${CURRENT_BINARY:-}
if [ -z "$current" ]; then
  say "building this checkout"
  cargo build --release --locked --bin micromall
  current=$target/release/micromall
fi
previous=${PREVIOUS_BINARY:-}
if [ -z "$previous" ]; then
  ref=${1:-$(git describe --tags --abbrev=0)}
  say "building the previous release ($ref)"
  git worktree add --detach "$work/previous" "$ref" >/dev/null
  CARGO_TARGET_DIR=$target/rollback-previous \
    cargo build --release --locked --bin micromall --manifest-path "$work/previous/Cargo.toml"
  previous=$target/rollback-previous/release/micromall
fi

# One database per subgraph, as in production; migrated by this checkout's binary.
env=()
tag=rollback_$(date +%s)_$$
for name in $(sed -n 's/^  migrate-\([a-z]*\):$/\1/p' docker-compose.yml); do
  db=${tag}_$name
  psql "$postgres" -qc "CREATE DATABASE $db" >/dev/null
  databases+=("$db")
  url=${postgres%/*}/$db
  DATABASE_URL=$url "$current" migrate "$name"
  env+=("MICROMALL_$(echo "$name" | tr a-z A-Z)_DATABASE_URL=$url")
done

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
# The whole shop in one process on the migrated databases, ports from a free one up.
start() { # binary log
  env "${env[@]}" MICROMALL_DATA_DIR="$work/data" MICROMALL_DEMO_DATA=0 \
    MICROMALL_ROUTER_LISTEN="127.0.0.1:$((port + 20))" MICROMALL_SUBGRAPH_PORT_BASE=$((port + 21)) \
    MICROMALL_SANDBOX_LISTEN="127.0.0.1:$((port + 40))" MICROMALL_CARRIER_SANDBOX_LISTEN="127.0.0.1:$((port + 41))" \
    MICROMALL_ADMIN_EMAIL=rollback@example.com MICROMALL_ADMIN_PASSWORD="rollback admin password" \
    "$1" >"$2" 2>&1 &
  pid=$!
  for _ in $(seq 1 120); do
    curl -fsS "http://127.0.0.1:$((port + 20))/health" >/dev/null 2>&1 && return 0
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.5
  done
  echo "it did not start; its log:" >&2
  tail -n 30 "$2" >&2
  exit 1
}
stop() { kill "$pid"; wait "$pid" || true; pid=; }

say "the previous release on the migrated schema"
start "$previous" "$work/previous.log"
python3 deploy/rollback-smoke.py buy "http://127.0.0.1:$((port + 20))/graphql" "$work/order.json"
stop
newer=$(grep -c "migrated by a newer release" "$work/previous.log" || true)
echo "the previous release found $newer database(s) migrated by this one"

say "this release again, on the same data"
start "$current" "$work/current.log"
python3 deploy/rollback-smoke.py check "http://127.0.0.1:$((port + 20))/graphql" "$work/order.json"
stop
say "rollback check passed"
