//! The cap on unpaid orders per customer (`[orders] max_pending_per_customer`): past it a
//! checkout holds nothing and keeps the cart, even when several race for the last place.

use futures::future::join_all;
use micromall_kit::on_every_backend;
use micromall_kit::testing::{Backend, codes};
use serde_json::Value;

use crate::support::{Customer, Shop, id};

/// The cap these tests run with.
const CAP: u32 = 2;

on_every_backend!(
    past_the_cap_checkout_is_refused_until_an_order_is_cancelled,
    checkouts_racing_for_the_last_place_never_pass_the_cap,
);

async fn cap_of(backend: Backend) -> Shop {
    Shop::start_with(backend, |s| s.orders.max_pending_per_customer = CAP).await
}

/// The customer's orders awaiting payment, as the customer sees them.
async fn unpaid(shop: &Shop, who: &Customer) -> usize {
    let body = shop.orders_of(who.id, Some(&who.token)).await;
    body["data"]["_entities"][0]["orders"]["nodes"]
        .as_array()
        .unwrap_or_else(|| panic!("no orders: {body}"))
        .iter()
        .filter(|o| o["status"] == "PENDING_PAYMENT")
        .count()
}

async fn past_the_cap_checkout_is_refused_until_an_order_is_cancelled(backend: Backend) {
    let shop = cap_of(backend).await;
    let ticket = shop.variant("Festival ticket", "60.00", 10).await;
    let hoarder = shop.customer();
    let first = shop.place_order(&hoarder, &ticket, 2).await;
    shop.place_order(&hoarder, &ticket, 2).await;

    shop.add_to_cart(&hoarder, &ticket, 2).await;
    let refused = shop.checkout(&hoarder, "hoard-3").await;
    assert_eq!(codes(&refused), ["TOO_MANY_PENDING_ORDERS"], "{refused}");
    assert_eq!(refused["order"], Value::Null);
    assert_eq!(shop.available(&ticket).await, 6, "nothing more is held");
    assert_eq!(shop.items_in_cart(&hoarder).await, 2, "the cart is kept");

    // The cap is per customer: someone else still buys.
    let other = shop.customer();
    shop.place_order(&other, &ticket, 1).await;

    // Cancelling one frees a place; the same key now goes through.
    shop.cancel(&hoarder.token, id(&first)).await;
    let placed = shop.checkout(&hoarder, "hoard-3").await;
    assert_eq!(placed["order"]["status"], "PENDING_PAYMENT", "{placed}");
    assert_eq!(unpaid(&shop, &hoarder).await, CAP as usize);
}

async fn checkouts_racing_for_the_last_place_never_pass_the_cap(backend: Backend) {
    let shop = cap_of(backend).await;
    let ticket = shop.variant("Festival ticket", "60.00", 100).await;
    let racer = shop.customer();
    shop.place_order(&racer, &ticket, 1).await;

    // Each attempt refills the cart (a new cart version) and checks out with its own key,
    // all at once: attempts that see different versions each make an order but for the
    // cap, which leaves one place (without it, three to five of these eight get through).
    let attempts = (0..8).map(|i| {
        let (shop, racer, ticket) = (&shop, &racer, &ticket);
        async move {
            shop.add_to_cart(racer, ticket, 1).await;
            shop.checkout(racer, &format!("race-{i}")).await
        }
    });
    let outcomes = join_all(attempts).await;
    let placed: Vec<&Value> = outcomes.iter().filter(|o| o["order"].is_object()).collect();
    for refused in outcomes.iter().filter(|o| o["order"].is_null()) {
        let code = codes(refused);
        assert!(
            code == ["TOO_MANY_PENDING_ORDERS"] || code == ["EMPTY_CART"],
            "{refused}"
        );
    }
    // The first attempt to take the place keeps it: nothing else can consume its cart.
    assert_eq!(placed.len(), 1, "{outcomes:?}");
    assert_eq!(unpaid(&shop, &racer).await, CAP as usize);

    // A refused attempt held nothing: only the two orders hold stock.
    let held = 1 + placed[0]["order"]["lines"][0]["quantity"]
        .as_i64()
        .expect("quantity");
    assert_eq!(shop.available(&ticket).await, 100 - held);
}
