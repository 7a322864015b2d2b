//! Checkout's idempotency key: a repeat (even a simultaneous one) is the first order, a key
//! reused for another checkout is refused.

use micromall_kit::on_every_backend;
use micromall_kit::testing::{Backend, codes};
use serde_json::{Value, json};

use crate::support::{Shop, address, assert_same_order, fields, id, ids};

on_every_backend!(
    the_same_key_returns_the_same_order,
    the_same_key_for_another_address_is_a_conflict,
    two_checkouts_at_once_with_one_key_make_one_order,
);

async fn the_same_key_returns_the_same_order(backend: Backend) {
    let shop = Shop::start(backend).await;
    let vase = shop.variant("Vase", "30.00", 6).await;
    let ed = shop.customer();
    shop.add_to_cart(&ed, &vase, 2).await;

    let first = shop.checkout(&ed, "ed-1").await;
    let again = shop.checkout(&ed, "ed-1").await;
    assert_eq!(codes(&again), Vec::<String>::new(), "{again}");
    assert_same_order(&again["order"], &first["order"]);
    assert_eq!(shop.available(&vase).await, 4, "held once");
    let mine = shop.orders_of(ed.id, Some(&ed.token)).await;
    assert_eq!(
        ids(&mine["data"]["_entities"][0]["orders"]),
        [id(&first["order"])]
    );
}

async fn the_same_key_for_another_address_is_a_conflict(backend: Backend) {
    let shop = Shop::start(backend).await;
    let vase = shop.variant("Vase", "30.00", 6).await;
    let fay = shop.customer();
    shop.add_to_cart(&fay, &vase, 2).await;
    let first = shop.checkout(&fay, "fay-1").await;
    shop.add_to_cart(&fay, &vase, 1).await;

    let mut elsewhere = address();
    elsewhere["city"] = json!("Paris");
    elsewhere["country"] = json!("FR");
    let conflict = shop.checkout_to(&fay, "fay-1", elsewhere).await;
    assert_eq!(conflict["order"], Value::Null, "{conflict}");
    assert_eq!(codes(&conflict), ["IDEMPOTENCY_CONFLICT"]);
    assert_eq!(fields(&conflict), [json!(["input", "idempotencyKey"])]);
    assert_eq!(shop.available(&vase).await, 4, "nothing more is held");
    assert_eq!(shop.items_in_cart(&fay).await, 1, "the new cart is kept");
    let mine = shop.orders_of(fay.id, Some(&fay.token)).await;
    assert_eq!(
        ids(&mine["data"]["_entities"][0]["orders"]),
        [id(&first["order"])]
    );
}

async fn two_checkouts_at_once_with_one_key_make_one_order(backend: Backend) {
    let shop = Shop::start(backend).await;
    let vase = shop.variant("Vase", "30.00", 6).await;
    let gus = shop.customer();
    shop.add_to_cart(&gus, &vase, 3).await;

    // A double click: both requests are in flight together.
    let (a, b) = tokio::join!(shop.checkout(&gus, "gus-1"), shop.checkout(&gus, "gus-1"));
    assert_eq!(codes(&a), Vec::<String>::new(), "{a}");
    assert_eq!(codes(&b), Vec::<String>::new(), "{b}");
    assert_eq!(a["order"]["id"], b["order"]["id"], "{a} {b}");
    assert_eq!(shop.available(&vase).await, 3, "held once");
    let mine = shop.orders_of(gus.id, Some(&gus.token)).await;
    assert_eq!(
        mine["data"]["_entities"][0]["orders"]["totalCount"], 1,
        "{mine}"
    );
}
