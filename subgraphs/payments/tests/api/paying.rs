//! `payOrder`: a payment is `PENDING` until the processor calls back; the order is paid once,
//! by its own customer, and only while it awaits payment.

use futures::future::join_all;
use micromall_kit::on_every_backend;
use micromall_kit::testing::{Backend, codes};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::support::{ORDER_TOTAL, Shop, field};

on_every_backend!(
    a_payment_is_pending_then_captured_and_the_order_paid,
    the_same_key_at_once_makes_one_payment,
    another_key_while_a_payment_is_in_flight_is_refused,
    a_paid_order_cannot_be_paid_again,
    another_customers_order_is_not_found,
    a_malformed_order_id_is_not_found,
    a_declined_payment_fails_with_a_reason_and_the_order_waits,
    a_refused_payment_frees_its_key,
    a_retry_charges_the_payment_whose_charge_got_no_answer,
);

/// The ids of an order's payments.
fn ids(payments: &[Value]) -> Vec<&Value> {
    payments.iter().map(|p| &p["id"]).collect()
}

async fn a_payment_is_pending_then_captured_and_the_order_paid(backend: Backend) {
    let shop = Shop::start(backend).await;
    let order = shop.order().await;

    let paid = shop
        .pay(&order.customer, &order.id, "sandbox_ok", "pay-1")
        .await;
    assert_eq!(paid["userErrors"], json!([]), "{paid}");
    let payment = &paid["payment"];
    assert_eq!(
        payment["status"], "PENDING",
        "the processor has not called back yet"
    );
    assert_eq!(payment["provider"], "sandbox");
    assert!(payment["providerReference"].is_string(), "{paid}");
    assert_eq!(
        payment["amount"],
        json!({ "amount": ORDER_TOTAL, "currency": "USD" })
    );
    assert_eq!(payment["refundedAmount"]["amount"], "0.00");
    let id = payment["id"].as_str().unwrap();

    let captured = shop.payment_reaches(&order.customer, id, "CAPTURED").await;
    assert_eq!(captured["failureReason"], Value::Null);
    let paid_order = shop.order_reaches(&order.customer, &order.id, "PAID").await;
    assert_eq!(
        paid_order["statusHistory"],
        json!([{ "to": "PENDING_PAYMENT" }, { "to": "PAID" }])
    );
    let payments = shop.payments_of(&order.customer, &order.id).await;
    assert_eq!(payments, [captured]);
}

async fn the_same_key_at_once_makes_one_payment(backend: Backend) {
    let shop = Shop::start(backend).await;
    let order = shop.order().await;

    // A double (quadruple) click: the same request four times at once.
    let answers = join_all(
        (0..4).map(|_| shop.pay(&order.customer, &order.id, "sandbox_ok", "double-click")),
    )
    .await;
    let first = &answers[0]["payment"]["id"];
    assert!(first.is_string(), "{}", answers[0]);
    for answer in &answers {
        assert_eq!(answer["userErrors"], json!([]), "{answer}");
        assert_eq!(&answer["payment"]["id"], first, "{answer}");
    }
    let payments = shop.payments_of(&order.customer, &order.id).await;
    assert_eq!(ids(&payments), [first]);
    let paid = shop.order_reaches(&order.customer, &order.id, "PAID").await;
    assert_eq!(
        paid["statusHistory"],
        json!([{ "to": "PENDING_PAYMENT" }, { "to": "PAID" }])
    );
}

async fn another_key_while_a_payment_is_in_flight_is_refused(backend: Backend) {
    let shop = Shop::start(backend).await;
    let order = shop.order().await;
    // `sandbox_timeout` never calls back: the payment stays in flight.
    let first = shop
        .pay(&order.customer, &order.id, "sandbox_timeout", "pay-1")
        .await;
    assert_eq!(first["payment"]["status"], "PENDING", "{first}");

    let second = shop
        .pay(&order.customer, &order.id, "sandbox_ok", "pay-2")
        .await;
    assert_eq!(codes(&second), ["INVALID_STATE"], "{second}");
    assert_eq!(field(&second), &json!(["input", "orderId"]));
    assert_eq!(second["payment"], Value::Null);
    let payments = shop.payments_of(&order.customer, &order.id).await;
    assert_eq!(
        payments,
        [first["payment"].clone()],
        "still the one payment"
    );
    assert_eq!(
        shop.read_order(&order.customer, &order.id).await["status"],
        "PENDING_PAYMENT"
    );
}

async fn a_paid_order_cannot_be_paid_again(backend: Backend) {
    let shop = Shop::start(backend).await;
    let (order, payment) = shop.paid_order().await;

    let again = shop
        .pay(&order.customer, &order.id, "sandbox_ok", "pay-again")
        .await;
    assert_eq!(codes(&again), ["INVALID_STATE"], "{again}");
    assert_eq!(field(&again), &json!(["input", "orderId"]));
    assert_eq!(again["payment"], Value::Null);
    let payments = shop.payments_of(&order.customer, &order.id).await;
    assert_eq!(ids(&payments), [&json!(payment)]);
    assert_eq!(payments[0]["status"], "CAPTURED");
}

async fn another_customers_order_is_not_found(backend: Backend) {
    let shop = Shop::start(backend).await;
    let order = shop.order().await;
    let eve = shop.customer();

    let stolen = shop.pay(&eve, &order.id, "sandbox_ok", "eve-pay").await;
    let missing = shop
        .pay(&eve, &Uuid::now_v7().to_string(), "sandbox_ok", "eve-pay-2")
        .await;
    assert_eq!(codes(&stolen), ["NOT_FOUND"], "{stolen}");
    assert_eq!(field(&stolen), &json!(["input", "orderId"]));
    assert_eq!(stolen["payment"], Value::Null);
    assert_eq!(
        stolen, missing,
        "someone else's order looks exactly like one that does not exist"
    );
    assert!(
        shop.payments_of(&order.customer, &order.id)
            .await
            .is_empty()
    );
    assert_eq!(
        shop.read_order(&order.customer, &order.id).await["status"],
        "PENDING_PAYMENT"
    );
}

async fn a_malformed_order_id_is_not_found(backend: Backend) {
    let shop = Shop::start(backend).await;
    let customer = shop.customer();

    let refused = shop
        .pay(&customer, "not-an-order-id", "sandbox_ok", "pay-1")
        .await;
    assert_eq!(codes(&refused), ["NOT_FOUND"], "{refused}");
    assert_eq!(field(&refused), &json!(["input", "orderId"]));
    assert_eq!(refused["payment"], Value::Null);
}

async fn a_declined_payment_fails_with_a_reason_and_the_order_waits(backend: Backend) {
    let shop = Shop::start(backend).await;
    let order = shop.order().await;

    let declined = shop
        .pay(&order.customer, &order.id, "sandbox_decline", "pay-1")
        .await;
    assert_eq!(declined["payment"]["status"], "PENDING", "{declined}");
    let id = declined["payment"]["id"].as_str().unwrap();
    let failed = shop.payment_reaches(&order.customer, id, "FAILED").await;
    assert_eq!(failed["failureReason"], "card declined");
    assert_eq!(failed["refundedAmount"]["amount"], "0.00");
    assert_eq!(
        shop.read_order(&order.customer, &order.id).await["status"],
        "PENDING_PAYMENT",
        "the order still awaits payment"
    );

    // Another card, another key: the order is paid after all.
    let retried = shop
        .pay(&order.customer, &order.id, "sandbox_ok", "pay-2")
        .await;
    assert_eq!(retried["userErrors"], json!([]), "{retried}");
    assert_ne!(retried["payment"]["id"], declined["payment"]["id"]);
    shop.order_reaches(&order.customer, &order.id, "PAID").await;
    let statuses: Vec<Value> = shop
        .payments_of(&order.customer, &order.id)
        .await
        .iter()
        .map(|p| p["status"].clone())
        .collect();
    assert_eq!(statuses, ["FAILED", "CAPTURED"]);
}

async fn a_refused_payment_frees_its_key(backend: Backend) {
    let shop = Shop::start(backend).await;
    let mine = shop.order().await;
    let theirs = shop.order().await;

    let refused = shop
        .pay(&mine.customer, &theirs.id, "sandbox_ok", "pay-1")
        .await;
    assert_eq!(codes(&refused), ["NOT_FOUND"], "{refused}");
    // Nothing was made with the key, so it is free for another request.
    let paid = shop
        .pay(&mine.customer, &mine.id, "sandbox_ok", "pay-1")
        .await;
    assert_eq!(paid["userErrors"], json!([]), "{paid}");
    shop.order_reaches(&mine.customer, &mine.id, "PAID").await;
    assert!(
        shop.payments_of(&theirs.customer, &theirs.id)
            .await
            .is_empty()
    );
}

async fn a_retry_charges_the_payment_whose_charge_got_no_answer(backend: Backend) {
    let mut shop = Shop::start(backend).await;
    let order = shop.order().await;

    shop.stop_sandbox().await;
    let unanswered = shop
        .pay(&order.customer, &order.id, "sandbox_ok", "pay-1")
        .await;
    assert_eq!(unanswered["userErrors"], json!([]), "{unanswered}");
    let payment = &unanswered["payment"];
    assert_eq!(payment["status"], "PENDING", "{unanswered}");
    assert_eq!(
        payment["providerReference"],
        Value::Null,
        "the charge got no answer"
    );

    // The key names the payment made: the retry charges that one, not a new one.
    shop.restart_sandbox().await;
    let retried = shop
        .pay(&order.customer, &order.id, "sandbox_ok", "pay-1")
        .await;
    assert_eq!(retried["userErrors"], json!([]), "{retried}");
    assert_eq!(retried["payment"]["id"], payment["id"], "{retried}");
    assert!(
        retried["payment"]["providerReference"].is_string(),
        "{retried}"
    );
    let id = payment["id"].as_str().unwrap();
    shop.payment_reaches(&order.customer, id, "CAPTURED").await;
    let paid = shop.order_reaches(&order.customer, &order.id, "PAID").await;
    assert_eq!(
        paid["statusHistory"],
        json!([{ "to": "PENDING_PAYMENT" }, { "to": "PAID" }])
    );
    let payments = shop.payments_of(&order.customer, &order.id).await;
    assert_eq!(ids(&payments), [&payment["id"]]);
}
