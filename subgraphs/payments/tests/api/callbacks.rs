//! Signed callbacks at `POST /webhooks/payments/sandbox` decide a payment: a forged, stale or
//! tampered one changes nothing, a genuine one replayed counts once. The payments here use
//! `sandbox_timeout`, whose charge the processor never calls back about, so every callback is
//! the test's.

use futures::future::join_all;
use micromall_kit::on_every_backend;
use micromall_kit::testing::Backend;
use serde_json::{Value, json};

use crate::support::{ORDER_TOTAL, Order, SANDBOX_SECRET, Shop, charge_succeeded, signed};

on_every_backend!(
    forged_stale_and_tampered_callbacks_change_nothing,
    a_genuine_callback_replayed_counts_once,
);

/// An order with a payment in flight that only the test's callbacks will settle.
async fn awaiting_callback(shop: &Shop) -> (Order, Value) {
    let order = shop.order().await;
    let paid = shop
        .pay(&order.customer, &order.id, "sandbox_timeout", "pay")
        .await;
    assert_eq!(paid["payment"]["status"], "PENDING", "{paid}");
    (order, paid["payment"].clone())
}

async fn forged_stale_and_tampered_callbacks_change_nothing(backend: Backend) {
    let shop = Shop::start(backend).await;
    let (order, payment) = awaiting_callback(&shop).await;
    let id = payment["id"].as_str().unwrap();
    let genuine = charge_succeeded(&payment, "evt_1");

    let forged = signed("not the sandbox's secret", 0, &genuine);
    assert_eq!(shop.callback(&genuine, &forged).await, 401);
    let stale = signed(SANDBOX_SECRET, 6 * 60, &genuine);
    assert_eq!(shop.callback(&genuine, &stale).await, 400);
    let mut altered: Value = serde_json::from_slice(&genuine).unwrap();
    altered["data"]["amount"] = json!("1.00");
    let tampered = altered.to_string().into_bytes();
    assert_eq!(
        shop.callback(&tampered, &signed(SANDBOX_SECRET, 0, &genuine))
            .await,
        401
    );
    // A callback is applied before it is answered, so nothing can still be on its way.
    assert_eq!(shop.payment(&order.customer, id).await, payment);
    assert_eq!(
        shop.read_order(&order.customer, &order.id).await["status"],
        "PENDING_PAYMENT"
    );

    // None of them used up the event: the genuine callback still captures.
    assert_eq!(
        shop.callback(&genuine, &signed(SANDBOX_SECRET, 0, &genuine))
            .await,
        200
    );
    let captured = shop.payment(&order.customer, id).await;
    assert_eq!(captured["status"], "CAPTURED");
    assert_eq!(captured["amount"]["amount"], ORDER_TOTAL);
    shop.order_reaches(&order.customer, &order.id, "PAID").await;
}

async fn a_genuine_callback_replayed_counts_once(backend: Backend) {
    let shop = Shop::start(backend).await;
    let (order, payment) = awaiting_callback(&shop).await;
    let id = payment["id"].as_str().unwrap();
    let genuine = charge_succeeded(&payment, "evt_1");
    let signature = signed(SANDBOX_SECRET, 0, &genuine);

    // Delivered three times at once, as a processor retrying a slow answer might.
    let answers = join_all((0..3).map(|_| shop.callback(&genuine, &signature))).await;
    assert_eq!(answers, [200, 200, 200]);
    assert_eq!(
        shop.payment(&order.customer, id).await["status"],
        "CAPTURED"
    );
    shop.order_reaches(&order.customer, &order.id, "PAID").await;
    // Replayed later, re-signed: acknowledged (so the sender stops) and ignored.
    let resigned = signed(SANDBOX_SECRET, -1, &genuine);
    assert_eq!(shop.callback(&genuine, &resigned).await, 200);
    let after = shop.payment(&order.customer, id).await;
    assert_eq!(after["status"], "CAPTURED");
    assert_eq!(after["amount"]["amount"], ORDER_TOTAL);

    shop.events_delivered().await;
    assert_eq!(
        shop.read_order(&order.customer, &order.id).await["statusHistory"],
        json!([{ "to": "PENDING_PAYMENT" }, { "to": "PAID" }]),
        "paid once"
    );
}
