#!/usr/bin/env bash
# Product page benchmark through the router (BENCHMARKS.md): starts a release `micromall` on a
# fresh demo shop, waits until the demo customers have received and reviewed their orders,
# then asks for one reviewed product's page (product, variants, stock, rating, first 10
# reviews with their authors) with `hey`, 20 clients for 20 s after a warm-up.
#
#   tests/load/product_page.sh [CLIENTS] [SECONDS]
set -euo pipefail
clients=${1:-20}
seconds=${2:-20}
cd "$(dirname "$0")/../.."
command -v hey >/dev/null || { echo "needs hey (Debian package hey)" >&2; exit 1; }
cargo build --release --quiet --bin micromall

data=$(mktemp -d)
query=$(mktemp)
export MICROMALL_DATA_DIR=$data RUST_LOG=error
# The demo customers' parcels travel fast, so the shop has its reviews within seconds.
export MICROMALL_CARRIER_SANDBOX_SCAN_INTERVAL=100ms
"${CARGO_TARGET_DIR:-target}/release/micromall" &
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null; rm -rf "$data" "$query"' EXIT
until curl -sf http://127.0.0.1:4000/health >/dev/null; do sleep 0.2; done

gql() { curl -sf http://127.0.0.1:4000/graphql -H 'content-type: application/json' -d "$1"; }
# The most reviewed of the products the demo customers bought.
for _ in $(seq 1 300); do
  product=$(gql '{"query":"{ products(first: 12) { nodes { id rating { count } } } }"}' |
    python3 -c 'import json,sys; n=json.load(sys.stdin)["data"]["products"]["nodes"]; b=max(n,key=lambda p:p["rating"]["count"]); print(b["id"] if b["rating"]["count"]>=3 else "")')
  [ -n "$product" ] && break
  sleep 1
done
[ -n "$product" ] || { echo "the demo reviews never appeared" >&2; exit 1; }

cat >"$query" <<JSON
{"query":"query Page(\$id: ID!) { product(id: \$id) { id name description price { amount currency } images { url alt } category { name } variants { id sku name price { amount } attributes { name value } weightGrams stock { available inStock } } rating { average count histogram } reviews(first: 10) { totalCount nodes { id rating title body helpfulCount reply createdAt verifiedPurchase author { id name } } } } }","variables":{"id":"$product"}}
JSON
echo "product: $product"
gql "$(cat "$query")" | head -c 600; echo
hey -n 500 -c "$clients" -m POST -T application/json -D "$query" http://127.0.0.1:4000/graphql >/dev/null
hey -z "${seconds}s" -c "$clients" -m POST -T application/json -D "$query" http://127.0.0.1:4000/graphql |
  grep -E 'Requests/sec|Average|Fastest|Slowest|10% in|50% in|90% in|95% in|99% in|\[2|\[4|\[5'
echo "peak RSS: $(grep VmHWM /proc/$pid/status | awk '{print $2/1024 " MiB"}')"
