use micromall_kit::on_every_backend;
use micromall_kit::testing::Backend;
use serde_json::{Value, json};

use crate::support::{Customer, Shop, codes};

on_every_backend!(coupons_are_refused_until_marketing_exists);

async fn apply(shop: &Shop, who: &Customer, code: &str) -> Value {
    shop.change(
        who,
        "($c: String!)",
        "applyCoupon(code: $c)",
        json!({ "c": code }),
    )
    .await
}

async fn coupons_are_refused_until_marketing_exists(backend: Backend) {
    let shop = Shop::start(backend).await;
    let alice = shop.customer();
    for code in ["SPRING10", "", &"X".repeat(65), &"Y".repeat(100_000)] {
        let payload = apply(&shop, &alice, code).await;
        assert_eq!(codes(&payload), ["INVALID_COUPON"]);
        assert_eq!(payload["userErrors"][0]["field"], json!(["code"]));
        assert_eq!(payload["cart"], Value::Null);
    }
    assert_eq!(shop.cart_of(&alice).await, Value::Null, "no cart made");

    let variant = shop.variant("4.00", 5).await;
    shop.add(&alice, &variant, 1).await;
    let refused = apply(&shop, &alice, "SPRING10").await;
    assert_eq!(codes(&refused), ["INVALID_COUPON"]);
    let version = shop.snapshot(&alice).await["version"].clone();
    let removed = shop.change(&alice, "", "removeCoupon", json!({})).await;
    assert_eq!(removed["userErrors"], json!([]));
    assert_eq!(removed["cart"]["couponCode"], Value::Null);
    assert_eq!(removed["cart"]["itemCount"], 1);
    assert_eq!(
        shop.snapshot(&alice).await["version"],
        version,
        "nothing changed"
    );
}
