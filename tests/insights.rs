//! Issue 12's back-office figures through the router, on the embedded stack and on
//! PostgreSQL + NATS + Redis when `MICROMALL_TEST_*` are set: a scripted day of carts,
//! orders, payments, a refund, a cancellation and a coupon, whose figures must equal what the
//! test computes from what it did, before and after the read model is rebuilt from events.

mod common;

use std::time::{Duration, Instant};

use common::shop::{Shop, address};
use micromall_kit::testing::Backend;
use serde_json::{Value, json};

const FIGURES: &str = "revenue { amount } orders averageOrderValue { amount } refunded { amount }
    days { date revenue { amount } orders averageOrderValue { amount } }
    topByRevenue { product { id name } units revenue { amount } }
    topByUnits { product { id } units revenue { amount } }
    couponUses discountGiven { amount } cartsCreated ordersPlaced ordersPaid
    lowStock { id sku stock { available } }";

async fn figures(shop: &Shop, from: &str, to: &str) -> Value {
    let body = shop
        .gql(
            &format!("query($f: DateTime!, $t: DateTime!) {{ insights(from: $f, to: $t) {{ {FIGURES} }} }}"),
            json!({ "f": from, "t": to }),
            &shop.admin,
        )
        .await;
    assert!(body.get("errors").is_none(), "{body}");
    body["data"]["insights"].clone()
}

async fn place(shop: &Shop, token: &str) -> (String, Value) {
    let body = shop
        .gql(
            "mutation($i: CheckoutInput!) { checkout(input: $i) { order { id total { amount } } userErrors { code } } }",
            json!({ "i": { "idempotencyKey": uuid::Uuid::now_v7().to_string(), "shippingAddress": address() } }),
            token,
        )
        .await;
    let order = body["data"]["checkout"]["order"].clone();
    let id = order["id"]
        .as_str()
        .unwrap_or_else(|| panic!("{body}"))
        .to_owned();
    (id, order)
}

async fn pay(shop: &Shop, token: &str, order: &str) -> String {
    let paid = shop
        .pay(
            token,
            order,
            "sandbox_ok",
            &uuid::Uuid::now_v7().to_string(),
        )
        .await;
    shop.eventually(token, order, |o| o["status"] == "PAID")
        .await;
    paid["payment"]["id"].as_str().unwrap().to_owned()
}

async fn a_scripted_day_adds_up_and_a_rebuild_changes_nothing(backend: Backend) {
    let shop = Shop::start(backend, &[]).await;
    let from = (chrono::Utc::now() - chrono::TimeDelta::hours(1)).to_rfc3339();
    let to = (chrono::Utc::now() + chrono::TimeDelta::hours(1)).to_rfc3339();
    let mug = shop.product("Mug", "20.00", 50).await;
    let pot = shop.product("Teapot", "35.00", 50).await;
    let made = shop
        .gql(
            "mutation { createCoupon(input: {code: \"TENOFF\", kind: FIXED_AMOUNT, value: \"10\"}) { coupon { id } } }",
            json!({}),
            &shop.admin,
        )
        .await;
    assert!(made["data"]["createCoupon"]["coupon"].is_object(), "{made}");

    // A guest fills a cart and leaves.
    let guest = common::gql(
        shop.base(),
        "mutation($v: ID!) { addToCart(variantId: $v, quantity: 1) { cartToken } }",
        json!({ "v": mug.variant }),
        None,
    )
    .await;
    assert!(
        guest["data"]["addToCart"]["cartToken"].is_string(),
        "{guest}"
    );
    // Ann buys two mugs with the coupon and pays: 40.00 - 10.00.
    let ann = shop.customer("ann").await;
    shop.add_to_cart(&ann, &mug.variant, 2).await;
    let coupon = shop
        .gql(
            "mutation { applyCoupon(code: \"tenoff\") { userErrors { code } } }",
            json!({}),
            &ann,
        )
        .await;
    assert_eq!(
        coupon["data"]["applyCoupon"]["userErrors"],
        json!([]),
        "{coupon}"
    );
    let (ann_order, placed) = place(&shop, &ann).await;
    assert_eq!(placed["total"]["amount"], "30.00");
    pay(&shop, &ann, &ann_order).await;
    // Bob buys a teapot, pays, and gets 5.00 back.
    let bob = shop.customer("bob").await;
    shop.add_to_cart(&bob, &pot.variant, 1).await;
    let (bob_order, _) = place(&shop, &bob).await;
    let payment = pay(&shop, &bob, &bob_order).await;
    let refunded = shop
        .refund(&payment, "5.00", &uuid::Uuid::now_v7().to_string())
        .await;
    assert_eq!(
        refunded["data"]["refundPayment"]["userErrors"],
        json!([]),
        "{refunded}"
    );
    // Cy orders a mug and cancels.
    let cy = shop.customer("cy").await;
    shop.add_to_cart(&cy, &mug.variant, 1).await;
    let (cy_order, _) = place(&shop, &cy).await;
    let cancelled = shop
        .gql(
            "mutation($id: ID!) { cancelOrder(id: $id) { order { status } } }",
            json!({ "id": cy_order }),
            &cy,
        )
        .await;
    assert_eq!(
        cancelled["data"]["cancelOrder"]["order"]["status"],
        "CANCELLED"
    );
    // The teapots run low.
    let counted = shop
        .gql(
            "mutation($v: ID!) { setStock(variantId: $v, quantity: 3) { userErrors { code } } }",
            json!({ "v": pot.variant }),
            &shop.admin,
        )
        .await;
    assert_eq!(counted["data"]["setStock"]["userErrors"], json!([]));

    // What the test did, as the back office should see it (events arrive in a moment).
    let started = Instant::now();
    let seen = loop {
        let seen = figures(&shop, &from, &to).await;
        let settled = seen["ordersPaid"] == 2
            && seen["refunded"]["amount"] == "5.00"
            && seen["ordersPlaced"] == 3
            && seen["cartsCreated"] == 4
            && seen["lowStock"]
                .as_array()
                .is_some_and(|l| l.iter().any(|v| v["id"] == pot.variant));
        if settled {
            break seen;
        }
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "never settled: {seen}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert_eq!(seen["revenue"]["amount"], "65.00", "{seen}");
    assert_eq!(seen["orders"], 2);
    assert_eq!(seen["averageOrderValue"]["amount"], "32.50");
    assert_eq!(seen["couponUses"], 1);
    assert_eq!(seen["discountGiven"]["amount"], "10.00");
    let day_revenue: f64 = seen["days"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            d["revenue"]["amount"]
                .as_str()
                .unwrap()
                .parse::<f64>()
                .unwrap()
        })
        .sum();
    assert_eq!(day_revenue, 65.0, "the days add up to the range");
    // By revenue the teapot (35.00) leads the mugs (40.00 less the 10.00 coupon); by units
    // the mugs (two; the cancelled one does not count).
    assert_eq!(
        seen["topByRevenue"],
        json!([
            { "product": { "id": pot.product, "name": "Teapot" }, "units": 1, "revenue": { "amount": "35.00" } },
            { "product": { "id": mug.product, "name": "Mug" }, "units": 2, "revenue": { "amount": "30.00" } },
        ])
    );
    assert_eq!(seen["topByUnits"][0]["product"]["id"], mug.product);
    assert_eq!(
        seen["lowStock"],
        json!([{ "id": pot.variant, "sku": seen["lowStock"][0]["sku"], "stock": { "available": 3 } }])
    );

    // Rebuilt from the journal of events: the same figures.
    let (ok, output) = shop.stack.command(&["reindex", "insights"]);
    assert!(ok, "{output}");
    assert!(output.contains("insights replayed"), "{output}");
    assert_eq!(figures(&shop, &from, &to).await, seen);

    // Only the back office may look; a range is bounded.
    let customer = shop
        .gql(
            "query($f: DateTime!, $t: DateTime!) { insights(from: $f, to: $t) { orders } }",
            json!({ "f": from, "t": to }),
            &ann,
        )
        .await;
    assert_eq!(
        customer["errors"][0]["extensions"]["code"], "FORBIDDEN",
        "{customer}"
    );
    let too_long = shop
        .gql(
            "{ insights(from: \"2020-01-01T00:00:00Z\", to: \"2026-01-01T00:00:00Z\") { orders } }",
            json!({}),
            &shop.admin,
        )
        .await;
    assert_eq!(
        too_long["errors"][0]["extensions"]["code"], "BAD_USER_INPUT",
        "{too_long}"
    );
}

micromall_kit::on_every_backend!(a_scripted_day_adds_up_and_a_rebuild_changes_nothing);
