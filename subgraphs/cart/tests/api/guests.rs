//! Shoppers who have not signed in: a cart reached by a token issued with their first add,
//! merged into their own cart at sign-in, and gone after it lies idle.

use std::time::Duration;

use micromall_kit::on_every_backend;
use micromall_kit::testing::Backend;
use serde_json::{Value, json};

use crate::support::{CART_FIELDS, Shop, codes};

on_every_backend!(
    a_guest_fills_a_cart_with_a_token,
    a_guest_cart_joins_the_customers_at_sign_in,
    an_idle_guest_cart_is_deleted,
    one_address_cannot_start_guest_carts_without_end
);

/// A cart operation as a guest (no `Authorization`): the whole payload.
async fn as_guest(shop: &Shop, declared: &str, call: &str, variables: Value) -> Value {
    let field = call.split('(').next().unwrap_or(call).trim();
    let query = format!(
        "mutation{declared} {{ {call} {{ cart {{ {CART_FIELDS} }} cartToken userErrors {{ field code }} }} }}"
    );
    let body = shop.gql(&query, variables, None).await;
    assert!(body.get("errors").is_none(), "{body}");
    body["data"][field].clone()
}

async fn guest_add(shop: &Shop, variant: &str, quantity: i32, token: Option<&str>) -> Value {
    as_guest(
        shop,
        "($v: ID!, $q: Int!, $t: String)",
        "addToCart(variantId: $v, quantity: $q, cartToken: $t)",
        json!({ "v": variant, "q": quantity, "t": token }),
    )
    .await
}

async fn guest_cart(shop: &Shop, token: &str) -> Value {
    let body = shop
        .gql(
            &format!("query($t: String) {{ cart(token: $t) {{ {CART_FIELDS} }} }}"),
            json!({ "t": token }),
            None,
        )
        .await;
    assert!(body.get("errors").is_none(), "{body}");
    body["data"]["cart"].clone()
}

async fn a_guest_fills_a_cart_with_a_token(backend: Backend) {
    let shop = Shop::start(backend).await;
    let mug = shop.variant("8.00", 10).await;
    let first = guest_add(&shop, &mug, 2, None).await;
    let token = first["cartToken"].as_str().expect("a token").to_owned();
    assert!(token.starts_with("gc_") && token.len() > 40, "{token}");
    assert_eq!(first["cart"]["itemCount"], 2);

    // The token reaches the same cart, for reads and changes.
    let again = guest_add(&shop, &mug, 1, Some(&token)).await;
    assert_eq!(again["cartToken"], token);
    assert_eq!(again["cart"]["itemCount"], 3);
    let seen = guest_cart(&shop, &token).await;
    assert_eq!(seen["total"]["amount"], "24.00", "{seen}");
    let line = seen["lines"][0]["id"].clone();
    let changed = as_guest(
        &shop,
        "($l: ID!, $t: String)",
        "updateCartLine(lineId: $l, quantity: 1, cartToken: $t)",
        json!({ "l": line, "t": token }),
    )
    .await;
    assert_eq!(changed["cart"]["itemCount"], 1, "{changed}");

    // Another guest's token, a made-up one, or none at all reach nothing of it.
    let other = guest_add(&shop, &mug, 1, None).await["cartToken"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_ne!(other, token);
    assert_eq!(guest_cart(&shop, &other).await["itemCount"], 1);
    for bogus in ["gc_made-up", "", &"gc_x".repeat(10_000)] {
        assert_eq!(guest_cart(&shop, bogus).await, Value::Null);
        let refused = as_guest(
            &shop,
            "($l: ID!, $t: String)",
            "removeCartLine(lineId: $l, cartToken: $t)",
            json!({ "l": line, "t": bogus }),
        )
        .await;
        assert_eq!(
            refused["userErrors"],
            json!([{ "field": ["cartToken"], "code": "NOT_FOUND" }])
        );
    }
    let anonymous = shop
        .gql(
            "mutation($l: ID!) { removeCartLine(lineId: $l) { cart { id } } }",
            json!({ "l": line }),
            None,
        )
        .await;
    assert_eq!(
        anonymous["errors"][0]["extensions"]["code"], "UNAUTHENTICATED",
        "{anonymous}"
    );
    // An add with a token that reaches nothing starts a new guest cart.
    let fresh = guest_add(&shop, &mug, 1, Some("gc_long-gone")).await;
    assert!(
        fresh["cartToken"]
            .as_str()
            .is_some_and(|t| t != "gc_long-gone"),
        "{fresh}"
    );
    // A signed-in customer whose client still sends a spent token adds to their own cart.
    let alice = shop.customer();
    let added = shop
        .gql(
            "mutation($v: ID!) { addToCart(variantId: $v, quantity: 2, cartToken: \"gc_long-gone\") { cart { itemCount } cartToken } }",
            json!({ "v": mug }),
            Some(&alice.token),
        )
        .await;
    assert_eq!(
        added["data"]["addToCart"]["cartToken"],
        Value::Null,
        "{added}"
    );
    assert_eq!(shop.cart_of(&alice).await["itemCount"], 2);
}

async fn a_guest_cart_joins_the_customers_at_sign_in(backend: Backend) {
    let shop = Shop::start(backend).await;
    let scarce = shop.variant("5.00", 4).await;
    let plenty = shop.variant("3.00", 50).await;
    let alice = shop.customer();
    shop.add(&alice, &scarce, 2).await;

    let token = guest_add(&shop, &scarce, 3, None).await["cartToken"]
        .as_str()
        .unwrap()
        .to_owned();
    guest_add(&shop, &plenty, 7, Some(&token)).await;

    let merged = shop
        .change(
            &alice,
            "($t: String!)",
            "mergeGuestCart(cartToken: $t)",
            json!({ "t": token }),
        )
        .await;
    assert_eq!(merged["userErrors"], json!([]), "{merged}");
    let quantities: Vec<(String, i64)> = merged["cart"]["lines"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| {
            (
                l["variant"]["id"].as_str().unwrap().to_owned(),
                l["quantity"].as_i64().unwrap(),
            )
        })
        .collect();
    // 2 + 3 of the scarce one, capped at the 4 in stock; all 7 of the other.
    assert_eq!(quantities, [(scarce.clone(), 4), (plenty.clone(), 7)]);
    assert_eq!(shop.cart_of(&alice).await["itemCount"], 11);

    // Two merges of one guest cart racing (a double-clicked sign-in) bring it once.
    let bob = shop.customer();
    let bobs_token = guest_add(&shop, &plenty, 5, None).await["cartToken"]
        .as_str()
        .unwrap()
        .to_owned();
    let merge = || {
        shop.change(
            &bob,
            "($t: String!)",
            "mergeGuestCart(cartToken: $t)",
            json!({ "t": bobs_token }),
        )
    };
    let (first, second) = tokio::join!(merge(), merge());
    for answer in [&first, &second] {
        assert!(
            answer["cart"].is_object() || codes(answer) == ["NOT_FOUND"],
            "{answer}"
        );
    }
    assert_eq!(shop.cart_of(&bob).await["itemCount"], 5, "merged once");

    // The guest cart is gone: its token reaches nothing, and merging again finds nothing.
    assert_eq!(guest_cart(&shop, &token).await, Value::Null);
    let again = shop
        .change(
            &alice,
            "($t: String!)",
            "mergeGuestCart(cartToken: $t)",
            json!({ "t": token }),
        )
        .await;
    assert_eq!(codes(&again), ["NOT_FOUND"], "{again}");
    // Merging needs a signed-in customer.
    let anonymous = shop
        .gql(
            "mutation($t: String!) { mergeGuestCart(cartToken: $t) { cart { id } } }",
            json!({ "t": token }),
            None,
        )
        .await;
    assert_eq!(
        anonymous["errors"][0]["extensions"]["code"],
        "UNAUTHENTICATED"
    );
}

async fn an_idle_guest_cart_is_deleted(backend: Backend) {
    let shop =
        Shop::with_cart_settings(backend, |c| c.guest_idle_ttl = Duration::from_millis(800)).await;
    let mug = shop.variant("8.00", 10).await;
    let token = guest_add(&shop, &mug, 1, None).await["cartToken"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(guest_cart(&shop, &token).await.is_object());
    // Looking at the cart is using it: leave it alone well past its time.
    tokio::time::sleep(Duration::from_millis(2500)).await;
    assert_eq!(guest_cart(&shop, &token).await, Value::Null, "still there");
    let refused = guest_add(&shop, &mug, 1, Some(&token)).await;
    assert_ne!(
        refused["cartToken"],
        token.as_str(),
        "a new cart, not the old one"
    );
}

async fn one_address_cannot_start_guest_carts_without_end(backend: Backend) {
    let shop = Shop::with_cart_settings(backend, |c| c.guests_per_address = 3).await;
    let mug = shop.variant("8.00", 100).await;
    let mut tokens = Vec::new();
    for _ in 0..3 {
        let added = guest_add(&shop, &mug, 1, None).await;
        tokens.push(added["cartToken"].as_str().unwrap().to_owned());
    }
    let body = shop
        .gql(
            "mutation($v: ID!) { addToCart(variantId: $v, quantity: 1) { cartToken } }",
            json!({ "v": mug }),
            None,
        )
        .await;
    assert_eq!(
        body["errors"][0]["extensions"]["code"], "RATE_LIMITED",
        "{body}"
    );
    // Guests who have their cart keep using it, and customers are not guests.
    assert_eq!(
        guest_add(&shop, &mug, 1, Some(&tokens[0])).await["cart"]["itemCount"],
        2
    );
    let alice = shop.customer();
    assert_eq!(shop.add(&alice, &mug, 1).await["cart"]["itemCount"], 1);
}
