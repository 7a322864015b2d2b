#!/usr/bin/env bash
# Home page and cart-with-promotions benchmarks through the router (BENCHMARKS.md): starts a
# release `micromall` on a fresh demo shop (banners, a 15% department sale, featured products),
# then measures with `hey`, each after a warm-up:
#   1. `home`: featured, new arrivals and best sellers with names, prices and stock, banners,
#      announcements;
#   2. one customer's cart of five lines (three on sale) with a 10% coupon: lines with their
#      variants' names, discounts and sources, totals and the coupon's standing.
#
#   tests/load/home_and_cart.sh [CLIENTS] [SECONDS]
set -euo pipefail
clients=${1:-20}
seconds=${2:-20}
cd "$(dirname "$0")/../.."
command -v hey >/dev/null || { echo "needs hey (Debian package hey)" >&2; exit 1; }
cargo build --release --quiet --bin micromall

data=$(mktemp -d)
query=$(mktemp)
export MICROMALL_DATA_DIR=$data RUST_LOG=error
export MICROMALL_ADMIN_EMAIL=bench-admin@example.com MICROMALL_ADMIN_PASSWORD='bench admin password'
"${CARGO_TARGET_DIR:-target}/release/micromall" &
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null; rm -rf "$data" "$query"' EXIT
until curl -sf http://127.0.0.1:4000/health >/dev/null; do sleep 0.2; done

gql() { curl -sf http://127.0.0.1:4000/graphql -H 'content-type: application/json' ${2:+-H "authorization: Bearer $2"} -d "$1"; }
field() { python3 -c "import json,sys; d=json.load(sys.stdin); print(eval('d' + sys.argv[1]))" "$1"; }

# The demo's merchandising is made once the router serves: wait for the sale and the arrivals.
for _ in $(seq 1 300); do
  ready=$(gql '{"query":"{ home { featured { id } newArrivals { id } banners { title } } }"}' |
    python3 -c 'import json,sys; h=json.load(sys.stdin)["data"]["home"]; print(len(h["featured"]) > 0 and len(h["newArrivals"]) == 12 and len(h["banners"]) > 0)')
  [ "$ready" = True ] && break
  sleep 1
done
[ "$ready" = True ] || { echo "the demo home page never filled" >&2; exit 1; }

cat >"$query" <<'JSON'
{"query":"{ home { featured { id name price { amount currency } images { url alt } variants { stock { inStock } } } newArrivals { id name price { amount } images { url } } bestSellers { id name price { amount } rating { average count } } banners { title imageUrl alt linkUrl } announcements { kind message } } }"}
JSON
echo "== home"
gql "$(cat "$query")" | head -c 400; echo
hey -n 500 -c "$clients" -m POST -T application/json -D "$query" http://127.0.0.1:4000/graphql >/dev/null
hey -z "${seconds}s" -c "$clients" -m POST -T application/json -D "$query" http://127.0.0.1:4000/graphql |
  grep -E 'Requests/sec|Average|Fastest|Slowest|10% in|50% in|90% in|95% in|99% in|\[2|\[4|\[5'

# A customer's cart: three products of the department on sale, two others, and a coupon.
admin=$(gql '{"query":"mutation { login(input: {email: \"bench-admin@example.com\", password: \"bench admin password\"}) { accessToken } }"}' | field '["data"]["login"]["accessToken"]')
gql '{"query":"mutation { createCoupon(input: {code: \"BENCH10\", kind: PERCENTAGE, value: \"10\"}) { coupon { id } } }"}' "$admin" >/dev/null
gql '{"query":"mutation { register(input: {email: \"bench-shopper@example.com\", password: \"bench shopper password\", name: \"Bench\"}) { user { id } } }"}' >/dev/null
shopper=$(gql '{"query":"mutation { login(input: {email: \"bench-shopper@example.com\", password: \"bench shopper password\"}) { accessToken } }"}' | field '["data"]["login"]["accessToken"]')
variants=$(gql '{"query":"{ categories { children { products(first: 3) { nodes { variants { id } } } } } }"}' |
  python3 -c 'import json,sys; c=json.load(sys.stdin)["data"]["categories"]; p=lambda r: r["children"][0]["products"]["nodes"]; v=[x["variants"][0]["id"] for x in p(c[0])] + [x["variants"][0]["id"] for x in p(c[1])[:2]]; print(" ".join(v))')
for variant in $variants; do
  gql "{\"query\":\"mutation { addToCart(variantId: \\\"$variant\\\", quantity: 1) { userErrors { code } } }\"}" "$shopper" >/dev/null
done
gql '{"query":"mutation { applyCoupon(code: \"bench10\") { userErrors { code } } }"}' "$shopper" >/dev/null

cat >"$query" <<'JSON'
{"query":"{ cart { id itemCount subtotal { amount currency } discount { amount } total { amount } couponCode couponIssue { code message } freeShipping lines { id quantity variant { id sku name product { name } } unitPrice { amount } discount { amount } discountSources lineTotal { amount } } } }"}
JSON
echo "== cart with promotions"
gql "$(cat "$query")" "$shopper" | head -c 600; echo
hey -n 500 -c "$clients" -m POST -T application/json -H "authorization: Bearer $shopper" -D "$query" http://127.0.0.1:4000/graphql >/dev/null
hey -z "${seconds}s" -c "$clients" -m POST -T application/json -H "authorization: Bearer $shopper" -D "$query" http://127.0.0.1:4000/graphql |
  grep -E 'Requests/sec|Average|Fastest|Slowest|10% in|50% in|90% in|95% in|99% in|\[2|\[4|\[5'
echo "peak RSS: $(grep VmHWM /proc/$pid/status | awk '{print $2/1024 " MiB"}')"
