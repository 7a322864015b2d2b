#!/usr/bin/env python3
"""A purchase through the public API, for deploy/rollback-check.sh.

  rollback-smoke.py buy URL FILE    an admin makes a product, a customer buys and pays for it;
                                    the customer and the order are written to FILE
  rollback-smoke.py check URL FILE  the customer signs in again and finds that order paid
"""

import json
import sys
import time
import urllib.request
import uuid

ADMIN = ("rollback@example.com", "rollback admin password")
PASSWORD = "rollback customer password"


def gql(url, query, variables=None, token=None):
    body = json.dumps({"query": query, "variables": variables or {}}).encode()
    request = urllib.request.Request(url, body, {"content-type": "application/json"})
    if token:
        request.add_header("authorization", f"Bearer {token}")
    with urllib.request.urlopen(request, timeout=30) as response:
        answer = json.load(response)
    if answer.get("errors"):
        sys.exit(f"{query.split('(')[0]}: {answer['errors']}")
    return answer["data"]


def login(url, email, password):
    data = gql(url, "mutation($i: LoginInput!) { login(input: $i) { accessToken userErrors { code } } }",
               {"i": {"email": email, "password": password}})
    token = data["login"]["accessToken"]
    if not token:
        sys.exit(f"login failed: {data}")
    return token


def eventually(what, probe, seconds=20):
    deadline = time.time() + seconds
    while True:
        value = probe()
        if value:
            return value
        if time.time() > deadline:
            sys.exit(f"{what}: not within {seconds} s")
        time.sleep(0.25)


def order_of(url, token, order_id):
    return gql(url, "query($id: ID!) { order(id: $id) { id status total { amount } payments { status } } }",
               {"id": order_id}, token)["order"]


def buy(url, path):
    admin = login(url, *ADMIN)
    made = gql(url, """mutation($i: CreateProductInput!) {
                 createProduct(input: $i) { product { id variants { id } } userErrors { code } } }""",
               {"i": {"name": "Rollback lamp", "description": "bought on the previous release",
                      "variants": [{"sku": f"RB-{uuid.uuid4().hex[:8]}", "name": "Standard", "price": "9.50"}]}},
               admin)["createProduct"]
    variant = made["product"]["variants"][0]["id"]
    eventually("stock", lambda: gql(url, """mutation($v: ID!) {
                 setStock(variantId: $v, quantity: 5) { variant { id } userErrors { code } } }""",
                                    {"v": variant}, admin)["setStock"]["variant"])
    email = f"rollback-{uuid.uuid4().hex[:12]}@example.com"
    registered = gql(url, "mutation($i: RegisterInput!) { register(input: $i) { user { id } userErrors { code } } }",
                     {"i": {"email": email, "password": PASSWORD, "name": "Rollback"}})
    if not registered["register"]["user"]:
        sys.exit(f"register: {registered}")
    token = login(url, email, PASSWORD)
    gql(url, "mutation($v: ID!) { addToCart(variantId: $v, quantity: 2) { cart { itemCount } } }",
        {"v": variant}, token)
    address = {"name": "Ada Lovelace", "line1": "12 Analytical St", "city": "London",
               "postalCode": "N1 9GU", "country": "GB"}
    placed = gql(url, """mutation($i: CheckoutInput!) {
                   checkout(input: $i) { order { id } userErrors { code } } }""",
                 {"i": {"idempotencyKey": "rollback-1", "shippingAddress": address}}, token)["checkout"]
    if not placed["order"]:
        sys.exit(f"checkout: {placed}")
    order_id = placed["order"]["id"]
    paid = gql(url, """mutation($i: PayOrderInput!) {
                 payOrder(input: $i) { payment { id } userErrors { code } } }""",
               {"i": {"orderId": order_id, "provider": "sandbox", "paymentMethodToken": "sandbox_ok",
                      "idempotencyKey": "rollback-pay-1"}}, token)["payOrder"]
    if not paid["payment"]:
        sys.exit(f"payOrder: {paid}")
    order = eventually("order paid", lambda: (o := order_of(url, token, order_id))["status"] == "PAID" and o)
    print(f"previous release: order {order_id} {order['status']}, total {order['total']['amount']}")
    with open(path, "w") as f:
        json.dump({"email": email, "order": order_id, "total": order["total"]["amount"]}, f)


def check(url, path):
    with open(path) as f:
        saved = json.load(f)
    token = login(url, saved["email"], PASSWORD)
    order = order_of(url, token, saved["order"])
    if order["status"] != "PAID" or order["total"]["amount"] != saved["total"]:
        sys.exit(f"the order changed: {order} (was {saved})")
    print(f"this release: order {order['id']} {order['status']}, total {order['total']['amount']}")


if __name__ == "__main__":
    if len(sys.argv) != 4 or sys.argv[1] not in ("buy", "check"):
        sys.exit(__doc__)
    {"buy": buy, "check": check}[sys.argv[1]](sys.argv[2], sys.argv[3])
