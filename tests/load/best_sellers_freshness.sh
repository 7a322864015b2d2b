#!/usr/bin/env bash
# How fresh the home page's best sellers are (BENCHMARKS.md): on a release `micromall` with no
# demo data, five rounds of: a new product, an order of it bigger than any before, paid with the
# sandbox; the time from the order being seen PAID to the product leading `home.bestSellers`.
#
#   tests/load/best_sellers_freshness.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
cargo build --release --quiet --bin micromall
data=$(mktemp -d)
export MICROMALL_DATA_DIR=$data RUST_LOG=error MICROMALL_DEMO_DATA=0
export MICROMALL_ADMIN_EMAIL=fresh@example.com MICROMALL_ADMIN_PASSWORD='fresh admin password'
"${CARGO_TARGET_DIR:-target}/release/micromall" &
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null; rm -rf "$data"' EXIT
until curl -sf http://127.0.0.1:4000/health >/dev/null; do sleep 0.2; done
python3 - <<'PY'
import json, time, urllib.request, uuid
def gql(q, v=None, tok=None):
    req = urllib.request.Request("http://127.0.0.1:4000/graphql", data=json.dumps({"query": q, "variables": v or {}}).encode(), headers={"content-type": "application/json", **({"authorization": "Bearer " + tok} if tok else {})})
    return json.load(urllib.request.urlopen(req))
login = lambda e, p: gql("mutation($i: LoginInput!) { login(input: $i) { accessToken } }", {"i": {"email": e, "password": p}})["data"]["login"]["accessToken"]
admin = login("fresh@example.com", "fresh admin password")
gql('mutation { register(input: {email: "buyer@example.com", password: "buyer password 123", name: "B"}) { user { id } } }')
buyer = login("buyer@example.com", "buyer password 123")
results = []
for n in range(5):
    p = gql('mutation($i: CreateProductInput!) { createProduct(input: $i) { product { id variants { id } } } }', {"i": {"name": f"Fresh {n}", "description": "x", "variants": [{"sku": f"FR-{uuid.uuid4().hex[:8]}", "name": "S", "price": "10.00"}]}}, admin)["data"]["createProduct"]["product"]
    gql('mutation($v: ID!) { setStock(variantId: $v, quantity: 100) { userErrors { code } } }', {"v": p["variants"][0]["id"]}, admin)
    gql('mutation($v: ID!, $q: Int!) { addToCart(variantId: $v, quantity: $q) { userErrors { code } } }', {"v": p["variants"][0]["id"], "q": 10 + n}, buyer)
    order = gql('mutation($i: CheckoutInput!) { checkout(input: $i) { order { id } } }', {"i": {"idempotencyKey": str(uuid.uuid4()), "shippingAddress": {"name": "B", "line1": "1 St", "city": "X", "postalCode": "1", "country": "US"}}}, buyer)["data"]["checkout"]["order"]["id"]
    gql('mutation($i: PayOrderInput!) { payOrder(input: $i) { payment { id } } }', {"i": {"orderId": order, "provider": "sandbox", "paymentMethodToken": "sandbox_ok", "idempotencyKey": str(uuid.uuid4())}}, buyer)
    while gql('query($id: ID!) { order(id: $id) { status } }', {"id": order}, buyer)["data"]["order"]["status"] != "PAID":
        time.sleep(0.005)
    paid = time.monotonic()
    while True:
        top = gql('{ home { bestSellers { id } } }')["data"]["home"]["bestSellers"]
        if top and top[0]["id"] == p["id"]:
            break
        time.sleep(0.005)
    results.append(time.monotonic() - paid)
print("seconds from PAID seen to first in bestSellers:", ", ".join(f"{r:.3f}" for r in results))
PY
