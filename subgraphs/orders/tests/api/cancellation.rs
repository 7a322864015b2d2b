//! Cancelling an unpaid order, by its customer, by staff or by the payment timeout: the order
//! ends CANCELLED and inventory gets its stock back.

use std::time::Duration;

use micromall_kit::on_every_backend;
use micromall_kit::testing::{Backend, codes, eventually};
use serde_json::{Value, json};

use crate::support::{SETTLE, Shop, fields, id, last_cause};

on_every_backend!(
    a_customer_cancels_their_order_once_and_gets_the_stock_back,
    staff_cancel_any_order,
    an_unpaid_order_is_cancelled_when_its_time_is_up,
);

async fn a_customer_cancels_their_order_once_and_gets_the_stock_back(backend: Backend) {
    let shop = Shop::start(backend).await;
    let lamp = shop.variant("Lamp", "19.99", 4).await;
    let hal = shop.customer();
    let order = shop.place_order(&hal, &lamp, 3).await;
    assert_eq!(shop.available(&lamp).await, 1);

    let cancelled = shop.cancel(&hal.token, id(&order)).await;
    assert_eq!(codes(&cancelled), Vec::<String>::new(), "{cancelled}");
    assert_eq!(cancelled["order"]["status"], "CANCELLED");
    assert_eq!(
        cancelled["order"]["paymentDueAt"],
        Value::Null,
        "nothing is due"
    );
    assert_eq!(last_cause(&cancelled["order"]), "cancelled by the customer");
    shop.assert_available_becomes(&lamp, 4).await;

    let again = shop.cancel(&hal.token, id(&order)).await;
    assert_eq!(again["order"], Value::Null, "{again}");
    assert_eq!(codes(&again), ["INVALID_STATE"]);
    assert_eq!(fields(&again), [json!(["id"])]);
    assert_eq!(
        shop.order(&hal.token, id(&order)).await["status"],
        "CANCELLED"
    );
    assert_eq!(shop.available(&lamp).await, 4, "returned once");
}

async fn staff_cancel_any_order(backend: Backend) {
    let shop = Shop::start(backend).await;
    let lamp = shop.variant("Lamp", "19.99", 4).await;
    let ivy = shop.customer();
    let order = shop.place_order(&ivy, &lamp, 2).await;

    let cancelled = shop.cancel(&shop.staff, id(&order)).await;
    assert_eq!(cancelled["order"]["status"], "CANCELLED", "{cancelled}");
    assert_eq!(last_cause(&cancelled["order"]), "cancelled by staff");
    assert_eq!(
        shop.order(&ivy.token, id(&order)).await["status"],
        "CANCELLED"
    );
    shop.assert_available_becomes(&lamp, 4).await;
}

async fn an_unpaid_order_is_cancelled_when_its_time_is_up(backend: Backend) {
    let shop = Shop::start_with(backend, |s| {
        s.orders.payment_timeout = Duration::from_secs(1)
    })
    .await;
    let lamp = shop.variant("Lamp", "19.99", 4).await;
    let jo = shop.customer();
    let order = shop.place_order(&jo, &lamp, 4).await;
    assert_eq!(shop.available(&lamp).await, 0);

    let timed_out = eventually(SETTLE, || async {
        shop.order(&jo.token, id(&order)).await["status"] == "CANCELLED"
    })
    .await;
    let now = shop.order(&jo.token, id(&order)).await;
    assert!(timed_out, "still {}", now["status"]);
    assert_eq!(last_cause(&now), "payment timeout");
    assert_eq!(now["paymentDueAt"], Value::Null);
    shop.assert_available_becomes(&lamp, 4).await;
    // Too late to cancel by hand.
    let late = shop.cancel(&jo.token, id(&order)).await;
    assert_eq!(codes(&late), ["INVALID_STATE"], "{late}");
}
