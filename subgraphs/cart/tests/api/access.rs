use micromall_kit::on_every_backend;
use micromall_kit::testing::Backend;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::support::{Shop, codes, error_code};

on_every_backend!(
    anonymous_callers_are_unauthenticated,
    there_is_no_cart_before_the_first_add,
    bad_requests_are_refused_before_stock_is_asked,
    customers_only_see_and_change_their_own_cart,
    a_service_that_does_not_answer_is_an_internal_error,
);

/// Without a token an anonymous caller has no cart to read or change (their first
/// `addToCart` makes them a guest: `guests.rs`).
async fn anonymous_callers_are_unauthenticated(backend: Backend) {
    let shop = Shop::without_inventory(backend).await;
    for (query, variables) in [
        ("{ cart { id } }", json!({})),
        (
            "mutation($l: ID!) { updateCartLine(lineId: $l, quantity: 1) { cart { id } } }",
            json!({ "l": Uuid::now_v7() }),
        ),
        (
            "mutation($l: ID!) { removeCartLine(lineId: $l) { cart { id } } }",
            json!({ "l": Uuid::now_v7() }),
        ),
        (
            "mutation { applyCoupon(code: \"SPRING\") { cart { id } } }",
            json!({}),
        ),
        ("mutation { removeCoupon { cart { id } } }", json!({})),
    ] {
        let body = shop.gql(query, variables, None).await;
        assert_eq!(error_code(&body), "UNAUTHENTICATED", "{query}: {body}");
        assert_eq!(body["data"], Value::Null, "{query}: {body}");
    }
}

async fn there_is_no_cart_before_the_first_add(backend: Backend) {
    let shop = Shop::without_inventory(backend).await;
    let alice = shop.customer();
    assert_eq!(shop.cart_of(&alice).await, Value::Null);
    // Nothing to change yet: each says so, and still no cart exists.
    let update = shop.update(&alice, &Uuid::now_v7().to_string(), 2).await;
    assert_eq!(codes(&update), ["NOT_FOUND"]);
    assert_eq!(update["userErrors"][0]["field"], json!(["lineId"]));
    assert_eq!(update["cart"], Value::Null);
    let remove = shop.remove(&alice, "not-a-line-id").await;
    assert_eq!(codes(&remove), ["NOT_FOUND"]);
    let uncoupon = shop.change(&alice, "", "removeCoupon", json!({})).await;
    assert_eq!(codes(&uncoupon), ["NOT_FOUND"]);
    assert_eq!(shop.cart_of(&alice).await, Value::Null);
    assert_eq!(
        shop.snapshot(&alice).await,
        json!({ "cartId": null, "version": 0, "lines": [], "couponCode": null })
    );
}

async fn bad_requests_are_refused_before_stock_is_asked(backend: Backend) {
    // Inventory is down: none of these may need it.
    let shop = Shop::without_inventory(backend).await;
    let alice = shop.customer();
    let variant = shop.product("Early", &["3.00"]).await.variants[0].clone();
    for quantity in [0, 100, -1] {
        let payload = shop.add(&alice, &variant, quantity).await;
        assert_eq!(codes(&payload), ["INVALID_QUANTITY"], "{quantity}");
        assert_eq!(payload["userErrors"][0]["field"], json!(["quantity"]));
        assert_eq!(payload["cart"], Value::Null);
    }
    for unknown in [
        Uuid::now_v7().to_string(),
        "not-an-id".to_owned(),
        "x".repeat(5000),
    ] {
        let payload = shop.add(&alice, &unknown, 1).await;
        assert_eq!(codes(&payload), ["NOT_FOUND"]);
        assert_eq!(payload["userErrors"][0]["field"], json!(["variantId"]));
        assert_eq!(payload["cart"], Value::Null);
    }
    assert_eq!(shop.cart_of(&alice).await, Value::Null);
}

async fn customers_only_see_and_change_their_own_cart(backend: Backend) {
    let shop = Shop::start(backend).await;
    let variant = shop.variant("12.00", 20).await;
    let (alice, bob) = (shop.customer(), shop.customer());
    let added = shop.add(&alice, &variant, 2).await;
    let alices_cart = added["cart"].clone();
    let alices_line = alices_cart["lines"][0]["id"].as_str().unwrap().to_owned();

    assert_eq!(shop.cart_of(&bob).await, Value::Null, "bob has no cart yet");
    // Bob's own cart exists now, and Alice's line is still not his.
    let bobs = shop.add(&bob, &variant, 1).await;
    assert_ne!(bobs["cart"]["id"], alices_cart["id"]);
    let update = shop.update(&bob, &alices_line, 5).await;
    assert_eq!(codes(&update), ["NOT_FOUND"]);
    let remove = shop.remove(&bob, &alices_line).await;
    assert_eq!(codes(&remove), ["NOT_FOUND"]);
    let zero = shop.update(&bob, &alices_line, 0).await;
    assert_eq!(codes(&zero), ["NOT_FOUND"]);

    assert_eq!(shop.cart_of(&alice).await, alices_cart, "untouched");
    assert_eq!(shop.cart_of(&bob).await["itemCount"], 1);
}

async fn a_service_that_does_not_answer_is_an_internal_error(backend: Backend) {
    // Inventory down: an add cannot know the stock.
    let shop = Shop::without_inventory(backend).await;
    let alice = shop.customer();
    let variant = shop.product("Lonely", &["2.00"]).await.variants[0].clone();
    let body = shop
        .gql(
            "mutation($v: ID!) { addToCart(variantId: $v, quantity: 1) { cart { id } userErrors { code } } }",
            json!({ "v": variant }),
            Some(&alice.token),
        )
        .await;
    assert_eq!(error_code(&body), "INTERNAL", "{body}");
    assert!(
        body["errors"][0]["extensions"]["requestId"].is_string(),
        "{body}"
    );
    assert_eq!(body["errors"][0]["message"], "internal error");
    assert_eq!(shop.cart_of(&alice).await, Value::Null, "nothing was added");

    // Catalog unreachable: an add cannot know the variant.
    let shop = Shop::with_catalog_unreachable(backend).await;
    let variant = shop.product("Priced", &["2.00"]).await.variants[0].clone();
    shop.set_stock(&variant, 5).await;
    let body = shop
        .gql(
            "mutation($v: ID!) { addToCart(variantId: $v, quantity: 1) { cart { id } } }",
            json!({ "v": variant }),
            Some(&shop.customer().token),
        )
        .await;
    assert_eq!(error_code(&body), "INTERNAL", "{body}");
}
