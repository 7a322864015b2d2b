use micromall_kit::on_every_backend;
use micromall_kit::testing::Backend;
use serde_json::{Value, json};

use crate::support::{Customer, Shop, codes};

on_every_backend!(
    coupons_are_what_marketing_says_they_are,
    without_marketing_the_cart_shows_full_prices
);

async fn apply(shop: &Shop, who: &Customer, code: &str) -> Value {
    shop.change(
        who,
        "($c: String!)",
        "applyCoupon(code: $c)",
        json!({ "c": code }),
    )
    .await
}

async fn coupons_are_what_marketing_says_they_are(backend: Backend) {
    let shop = Shop::start(backend).await;
    let alice = shop.customer();
    // Unknown, empty, absurdly long: refused, and a refusal makes no cart.
    for code in ["SPRING10", "", &"X".repeat(65), &"Y".repeat(100_000)] {
        let payload = apply(&shop, &alice, code).await;
        assert_eq!(codes(&payload), ["INVALID_COUPON"]);
        assert_eq!(payload["userErrors"][0]["field"], json!(["code"]));
        assert_eq!(payload["cart"], Value::Null);
    }
    assert_eq!(shop.cart_of(&alice).await, Value::Null, "no cart made");

    shop.coupon(
        json!({ "code": "Spring10", "kind": "PERCENTAGE", "value": "10", "minSubtotal": "5" }),
    )
    .await;
    let variant = shop.variant("4.00", 5).await;
    shop.add(&alice, &variant, 1).await;
    // Known, but the cart is below its minimum: refused, the cart unchanged.
    let version = shop.snapshot(&alice).await["version"].clone();
    let refused = apply(&shop, &alice, "spring10").await;
    assert_eq!(codes(&refused), ["COUPON_MINIMUM_NOT_MET"], "{refused}");
    assert_eq!(shop.snapshot(&alice).await["version"], version);

    shop.add(&alice, &variant, 1).await;
    let applied = apply(&shop, &alice, "spring10").await;
    assert_eq!(applied["userErrors"], json!([]), "{applied}");
    assert_eq!(
        applied["cart"]["couponCode"], "Spring10",
        "kept as the shop wrote it"
    );
    assert_eq!(applied["cart"]["discount"]["amount"], "0.80");
    assert_eq!(applied["cart"]["total"]["amount"], "7.20");
    assert_eq!(shop.snapshot(&alice).await["couponCode"], "Spring10");

    let removed = shop.change(&alice, "", "removeCoupon", json!({})).await;
    assert_eq!(removed["userErrors"], json!([]));
    assert_eq!(removed["cart"]["couponCode"], Value::Null);
    assert_eq!(removed["cart"]["discount"]["amount"], "0.00");
    let version = shop.snapshot(&alice).await["version"].clone();
    shop.change(&alice, "", "removeCoupon", json!({})).await;
    assert_eq!(
        shop.snapshot(&alice).await["version"],
        version,
        "removing no coupon changes nothing"
    );
}

async fn without_marketing_the_cart_shows_full_prices(backend: Backend) {
    let mut shop = Shop::start(backend).await;
    shop.coupon(json!({ "code": "HALF", "kind": "PERCENTAGE", "value": "50" }))
        .await;
    let alice = shop.customer();
    let variant = shop.variant("10.00", 5).await;
    shop.add(&alice, &variant, 1).await;
    assert_eq!(
        apply(&shop, &alice, "HALF").await["cart"]["total"]["amount"],
        "5.00"
    );

    shop.stop_marketing().await;
    // Browsing the cart does not depend on discounts; applying a coupon does.
    let cart = shop.cart_of(&alice).await;
    assert_eq!(cart["total"]["amount"], "10.00", "{cart}");
    assert_eq!(cart["couponCode"], "HALF");
    let body = shop
        .gql(
            "mutation { applyCoupon(code: \"HALF\") { cart { id } } }",
            json!({}),
            Some(&alice.token),
        )
        .await;
    assert_eq!(
        body["errors"][0]["extensions"]["code"], "INTERNAL",
        "{body}"
    );
}
