//! Checkout: a cart becomes an order awaiting payment, or is refused with nothing held.

use micromall_kit::on_every_backend;
use micromall_kit::testing::{Backend, codes, error_code, eventually};
use serde_json::{Value, json};

use crate::support::{SETTLE, Shop, address, assert_same_order, fields, id};

on_every_backend!(
    a_cart_becomes_an_order_awaiting_payment,
    an_empty_cart_cannot_be_checked_out,
    a_bad_address_names_its_fields_and_holds_nothing,
    a_shortage_names_the_variant_and_holds_nothing,
    checkout_needs_a_signed_in_customer,
);

async fn a_cart_becomes_an_order_awaiting_payment(backend: Backend) {
    let shop = Shop::start(backend).await;
    let desk = shop.variant("Walnut desk", "249.50", 10).await;
    let lamp = shop.variant("Desk lamp", "19.99", 5).await;
    let ada = shop.customer();
    shop.add_to_cart(&ada, &desk, 2).await;
    shop.add_to_cart(&ada, &lamp, 1).await;

    let placed = shop.checkout(&ada, "ada-1").await;
    assert_eq!(codes(&placed), Vec::<String>::new(), "{placed}");
    let order = &placed["order"];
    assert_eq!(order["status"], "PENDING_PAYMENT");
    assert!(
        order["number"]
            .as_str()
            .is_some_and(|n| n.starts_with("MM-")),
        "{order}"
    );
    assert_eq!(order["customer"]["id"], ada.id.to_string());
    let lines: Vec<(&Value, &Value, &Value)> = order["lines"]
        .as_array()
        .expect("lines")
        .iter()
        .map(|l| {
            (
                &l["variant"]["id"],
                &l["quantity"],
                &l["lineTotal"]["amount"],
            )
        })
        .collect();
    assert_eq!(
        lines,
        [
            (&json!(desk), &json!(2), &json!("499.00")),
            (&json!(lamp), &json!(1), &json!("19.99")),
        ]
    );
    assert_eq!(order["lines"][0]["productName"], "Walnut desk");
    assert_eq!(
        order["total"],
        json!({ "amount": "518.99", "currency": "USD" })
    );
    assert_eq!(order["shippingAddress"]["line1"], "12 Analytical St");
    assert!(order["paymentDueAt"].is_string(), "{order}");
    assert_eq!(
        order["statusHistory"],
        json!([{ "from": null, "to": "PENDING_PAYMENT", "cause": "checkout" }])
    );

    // The stock is held for the order, and the order reads back as placed.
    assert_eq!(shop.available(&desk).await, 8);
    assert_eq!(shop.available(&lamp).await, 4);
    assert_same_order(&shop.order(&ada.token, id(order)).await, order);
    let emptied = eventually(SETTLE, || async { shop.items_in_cart(&ada).await == 0 }).await;
    assert!(
        emptied,
        "the cart still holds {}",
        shop.items_in_cart(&ada).await
    );
}

async fn an_empty_cart_cannot_be_checked_out(backend: Backend) {
    let shop = Shop::start(backend).await;
    let chair = shop.variant("Chair", "80.00", 3).await;
    let bo = shop.customer();

    let never_shopped = shop.checkout(&bo, "bo-1").await;
    assert_eq!(codes(&never_shopped), ["EMPTY_CART"], "{never_shopped}");
    assert_eq!(never_shopped["order"], Value::Null);

    // Once checked out, the cart is empty: a new key makes no second order.
    shop.place_order(&bo, &chair, 1).await;
    let again = shop.checkout(&bo, "bo-2").await;
    assert_eq!(codes(&again), ["EMPTY_CART"], "{again}");
    assert_eq!(again["order"], Value::Null);
    assert_eq!(shop.available(&chair).await, 2);
}

async fn a_bad_address_names_its_fields_and_holds_nothing(backend: Backend) {
    let shop = Shop::start(backend).await;
    let rug = shop.variant("Rug", "120.00", 4).await;
    let cy = shop.customer();
    shop.add_to_cart(&cy, &rug, 2).await;

    let mut nowhere = address();
    nowhere["line1"] = json!("   ");
    nowhere["country"] = json!("Germany");
    let refused = shop.checkout_to(&cy, "cy-1", nowhere).await;
    assert_eq!(refused["order"], Value::Null, "{refused}");
    assert_eq!(codes(&refused), ["INVALID_ADDRESS", "INVALID_ADDRESS"]);
    assert_eq!(
        fields(&refused),
        [
            json!(["input", "shippingAddress", "line1"]),
            json!(["input", "shippingAddress", "country"]),
        ]
    );
    assert_eq!(shop.available(&rug).await, 4, "nothing is held");
    assert_eq!(shop.items_in_cart(&cy).await, 2, "the cart is kept");

    // Corrected, the same key goes through.
    let placed = shop.checkout(&cy, "cy-1").await;
    assert_eq!(placed["order"]["status"], "PENDING_PAYMENT", "{placed}");
    assert_eq!(shop.available(&rug).await, 2);
}

async fn a_shortage_names_the_variant_and_holds_nothing(backend: Backend) {
    let shop = Shop::start(backend).await;
    let plenty = shop.variant("Mug", "9.00", 10).await;
    let scarce = shop.variant("Teapot", "35.00", 5).await;
    let di = shop.customer();
    shop.add_to_cart(&di, &plenty, 2).await;
    shop.add_to_cart(&di, &scarce, 3).await;
    // Sold elsewhere while the teapots sat in the cart.
    shop.set_stock(&scarce, 2).await;

    let refused = shop.checkout(&di, "di-1").await;
    assert_eq!(refused["order"], Value::Null, "{refused}");
    assert_eq!(codes(&refused), ["OUT_OF_STOCK"]);
    assert_eq!(fields(&refused), [json!(["variantId", scarce])]);
    assert!(
        refused["userErrors"][0]["message"]
            .as_str()
            .is_some_and(|m| m.contains("Teapot")),
        "{refused}"
    );
    assert_eq!(shop.available(&plenty).await, 10, "no line is held alone");
    assert_eq!(shop.available(&scarce).await, 2);
    assert_eq!(shop.items_in_cart(&di).await, 5, "the cart is kept");
}

async fn checkout_needs_a_signed_in_customer(backend: Backend) {
    let shop = Shop::start(backend).await;
    let body = shop.checkout_as(None, "anon-1", address()).await;
    assert_eq!(error_code(&body), "UNAUTHENTICATED", "{body}");
    assert_eq!(body["data"], Value::Null, "{body}");
}
