//! A coupon's budget under concurrent checkouts: the total limit and the per-customer limit
//! hold however many holds race, repeats change nothing, and released uses come back.

use futures::future::join_all;
use micromall_kit::testing::Backend;
use serde_json::json;
use uuid::Uuid;

use crate::support::Shop;

fn number(value: &serde_json::Value) -> f64 {
    value
        .as_str()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("not a decimal: {value}"))
}

async fn twenty_orders_race_for_three_uses(backend: Backend) {
    let shop = Shop::start(backend).await;
    let made = shop
        .create_coupon(
            json!({ "code": "THREE", "kind": "PERCENTAGE", "value": "10", "usageLimit": 3 }),
        )
        .await;
    assert!(made["coupon"].is_object(), "{made}");
    let orders: Vec<Uuid> = (0..20).map(|_| Uuid::now_v7()).collect();
    let answers = join_all(
        orders
            .iter()
            .map(|o| shop.hold(*o, Uuid::now_v7(), "three")),
    )
    .await;
    let held: Vec<Uuid> = orders
        .iter()
        .zip(&answers)
        .filter(|(_, (status, _))| *status == 200)
        .map(|(order, _)| *order)
        .collect();
    assert_eq!(held.len(), 3, "{answers:?}");
    for (status, body) in answers.iter().filter(|(status, _)| *status != 200) {
        assert_eq!(*status, 409, "{body}");
        assert_eq!(body["code"], "COUPON_USAGE_LIMIT", "{body}");
    }
    // A repeated hold answers as the first did, taking nothing more.
    let (status, body) = shop.hold(held[0], Uuid::now_v7(), "THREE").await;
    assert_eq!((status, body["held"].clone()), (200, json!(true)));

    // The cart now hears the coupon is used up.
    let priced = shop.price(Uuid::now_v7(), "10.00", 1, "THREE").await;
    assert_eq!(
        priced["couponIssue"]["code"], "COUPON_USAGE_LIMIT",
        "{priced}"
    );
    assert_eq!(number(&priced["total"]), 0.0);

    // A released use goes to the next order; releasing twice gives back one use.
    for _ in 0..2 {
        let (status, _) = shop
            .internal("release", &json!({ "orderId": held[1] }))
            .await;
        assert_eq!(status, 200);
    }
    let (first, _) = shop.hold(Uuid::now_v7(), Uuid::now_v7(), "THREE").await;
    let (second, _) = shop.hold(Uuid::now_v7(), Uuid::now_v7(), "THREE").await;
    assert_eq!((first, second), (200, 409));
}

async fn one_customer_racing_themselves_gets_one_use(backend: Backend) {
    let shop = Shop::start(backend).await;
    shop.create_coupon(
        json!({ "code": "WELCOME", "kind": "FIXED_AMOUNT", "value": "5", "perCustomerLimit": 1 }),
    )
    .await;
    let customer = Uuid::now_v7();
    let answers = join_all((0..8).map(|_| shop.hold(Uuid::now_v7(), customer, "WELCOME"))).await;
    let statuses: Vec<u16> = answers.iter().map(|(s, _)| *s).collect();
    assert_eq!(
        statuses.iter().filter(|s| **s == 200).count(),
        1,
        "{answers:?}"
    );
    assert!(
        answers
            .iter()
            .filter(|(s, _)| *s != 200)
            .all(|(_, body)| body["code"] == "COUPON_USAGE_LIMIT")
    );
    // Another customer is not affected.
    let (status, _) = shop.hold(Uuid::now_v7(), Uuid::now_v7(), "WELCOME").await;
    assert_eq!(status, 200);
    // The customer is told before checkout too.
    let priced = shop.price(customer, "20.00", 1, "welcome").await;
    assert_eq!(
        priced["couponIssue"]["code"], "COUPON_USAGE_LIMIT",
        "{priced}"
    );
    let other = shop.price(Uuid::now_v7(), "20.00", 1, "welcome").await;
    assert_eq!(number(&other["total"]), 5.0, "{other}");
    assert_eq!(other["couponCode"], "WELCOME");
}

async fn internal_endpoints_need_a_service_credential(backend: Backend) {
    let shop = Shop::start(backend).await;
    let (status, _) = micromall_kit::testing::internal_call(
        &shop.stack.base_url("marketing"),
        "hold",
        &json!({ "orderId": Uuid::now_v7(), "customerId": Uuid::now_v7(), "couponCode": "X" }),
        None,
    )
    .await;
    assert_eq!(status, 401);
    // A hold for a code that is no coupon is refused as invalid.
    let (status, body) = shop.hold(Uuid::now_v7(), Uuid::now_v7(), "NOPE-NOPE").await;
    assert_eq!(
        (status, body["code"].as_str()),
        (409, Some("INVALID_COUPON"))
    );
}

async fn a_use_held_for_an_order_that_never_came_is_freed(backend: Backend) {
    let shop = Shop::with_orders_checking_holds_at_once(backend).await;
    shop.create_coupon(
        json!({ "code": "SOLO", "kind": "PERCENTAGE", "value": "10", "usageLimit": 1 }),
    )
    .await;
    // A checkout held the only use, then died before making its order or giving it back.
    let (status, _) = shop.hold(Uuid::now_v7(), Uuid::now_v7(), "SOLO").await;
    assert_eq!(status, 200);
    let freed = micromall_kit::testing::eventually(std::time::Duration::from_secs(10), || async {
        shop.hold(Uuid::now_v7(), Uuid::now_v7(), "SOLO").await.0 == 200
    })
    .await;
    assert!(freed, "the orphaned use was never freed");
}

micromall_kit::on_every_backend!(
    a_use_held_for_an_order_that_never_came_is_freed,
    twenty_orders_race_for_three_uses,
    one_customer_racing_themselves_gets_one_use,
    internal_endpoints_need_a_service_credential,
);
