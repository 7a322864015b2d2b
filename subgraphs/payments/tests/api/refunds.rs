//! `refundPayment`: staff give back part or all of a captured payment, never more than was
//! captured (even when refunds race), once per idempotency key.

use futures::future::join_all;
use micromall_kit::on_every_backend;
use micromall_kit::testing::{Backend, codes, error_code};
use serde_json::{Value, json};

use crate::support::{ORDER_TOTAL, Shop, field};

on_every_backend!(
    a_customer_cannot_refund,
    more_than_was_captured_is_refused,
    a_partial_then_a_full_refund,
    a_repeated_refund_key_returns_the_first_result,
    a_refund_key_reused_for_another_amount_conflicts,
    concurrent_refunds_never_exceed_the_capture,
    a_refused_refund_frees_its_key,
);

/// What the processor gave back of the payment's charge: (total refunded, refunds made).
async fn given_back(shop: &Shop, payment: &str) -> (Value, usize) {
    let charge = shop.payment(&shop.staff, payment).await["providerReference"]
        .as_str()
        .expect("a captured payment has a charge")
        .to_owned();
    let record = shop.charge_record(&charge).await;
    let refunds = record["refunds"].as_array().map_or(0, Vec::len);
    (record["refunded"].clone(), refunds)
}

/// `(status, refundedAmount)` of the payment as staff see it.
async fn refunded(shop: &Shop, payment: &str) -> (Value, Value) {
    let now = shop.payment(&shop.staff, payment).await;
    (
        now["status"].clone(),
        now["refundedAmount"]["amount"].clone(),
    )
}

async fn a_customer_cannot_refund(backend: Backend) {
    let shop = Shop::start(backend).await;
    let (order, payment) = shop.paid_order().await;

    // Not even the customer who paid.
    let body = shop
        .refund_as(&order.customer, &payment, ORDER_TOTAL, "refund-1")
        .await;
    assert_eq!(error_code(&body), "FORBIDDEN", "{body}");
    assert_eq!(body["data"], Value::Null, "{body}");
    assert_eq!(
        refunded(&shop, &payment).await,
        (json!("CAPTURED"), json!("0.00"))
    );
    assert_eq!(given_back(&shop, &payment).await, (json!("0"), 0));
}

async fn more_than_was_captured_is_refused(backend: Backend) {
    let shop = Shop::start(backend).await;
    let (_, payment) = shop.paid_order().await;

    let too_much = shop.refund(&payment, "40.01", "refund-1").await;
    assert_eq!(codes(&too_much), ["AMOUNT_EXCEEDS_CAPTURED"], "{too_much}");
    assert_eq!(field(&too_much), &json!(["input", "amount"]));
    assert_eq!(too_much["payment"], Value::Null);
    // What is left counts, not what was captured.
    let part = shop.refund(&payment, "30.00", "refund-2").await;
    assert_eq!(part["userErrors"], json!([]), "{part}");
    let rest_too_much = shop.refund(&payment, "10.01", "refund-3").await;
    assert_eq!(codes(&rest_too_much), ["AMOUNT_EXCEEDS_CAPTURED"]);
    assert_eq!(
        refunded(&shop, &payment).await,
        (json!("PARTIALLY_REFUNDED"), json!("30.00"))
    );
    assert_eq!(given_back(&shop, &payment).await.1, 1);
}

async fn a_partial_then_a_full_refund(backend: Backend) {
    let shop = Shop::start(backend).await;
    let (order, payment) = shop.paid_order().await;

    let part = shop.refund(&payment, "15.00", "refund-1").await;
    assert_eq!(part["userErrors"], json!([]), "{part}");
    assert_eq!(part["payment"]["status"], "PARTIALLY_REFUNDED");
    assert_eq!(part["payment"]["refundedAmount"]["amount"], "15.00");
    assert_eq!(part["payment"]["amount"]["amount"], ORDER_TOTAL);
    assert_eq!(
        shop.read_order(&order.customer, &order.id).await["status"],
        "PAID",
        "a partly refunded order stays paid"
    );

    let rest = shop.refund(&payment, "25.00", "refund-2").await;
    assert_eq!(rest["payment"]["status"], "REFUNDED", "{rest}");
    assert_eq!(rest["payment"]["refundedAmount"]["amount"], ORDER_TOTAL);
    assert_eq!(given_back(&shop, &payment).await, (json!("40.00"), 2));
    // The customer sees it too: their payment and their order are refunded.
    assert_eq!(
        shop.payment(&order.customer, &payment).await["status"],
        "REFUNDED"
    );
    shop.order_reaches(&order.customer, &order.id, "REFUNDED")
        .await;
    let nothing_left = shop.refund(&payment, "0.01", "refund-3").await;
    assert_eq!(codes(&nothing_left), ["INVALID_STATE"], "{nothing_left}");
}

async fn a_repeated_refund_key_returns_the_first_result(backend: Backend) {
    let shop = Shop::start(backend).await;
    let (_, payment) = shop.paid_order().await;

    let first = shop.refund(&payment, "10.00", "refund-1").await;
    assert_eq!(first["payment"]["refundedAmount"]["amount"], "10.00");
    let again = shop.refund(&payment, "10.00", "refund-1").await;
    assert_eq!(again, first);
    assert_eq!(
        refunded(&shop, &payment).await,
        (json!("PARTIALLY_REFUNDED"), json!("10.00")),
        "refunded once"
    );
    assert_eq!(given_back(&shop, &payment).await, (json!("10.00"), 1));
}

async fn a_refund_key_reused_for_another_amount_conflicts(backend: Backend) {
    let shop = Shop::start(backend).await;
    let (_, payment) = shop.paid_order().await;

    shop.refund(&payment, "10.00", "refund-1").await;
    let conflict = shop.refund(&payment, "5.00", "refund-1").await;
    assert_eq!(codes(&conflict), ["IDEMPOTENCY_CONFLICT"], "{conflict}");
    assert_eq!(field(&conflict), &json!(["input", "idempotencyKey"]));
    assert_eq!(conflict["payment"], Value::Null);
    assert_eq!(
        refunded(&shop, &payment).await,
        (json!("PARTIALLY_REFUNDED"), json!("10.00"))
    );
    assert_eq!(given_back(&shop, &payment).await, (json!("10.00"), 1));
}

async fn concurrent_refunds_never_exceed_the_capture(backend: Backend) {
    let shop = Shop::start(backend).await;
    let (_, payment) = shop.paid_order().await;

    // Twenty-four refunds of 3.00 at once against 40.00 captured: thirteen fit, 1.00 stays
    // held. Each one that is made is made in full, at the processor too.
    let keys: Vec<String> = (0..24).map(|i| format!("refund-{i}")).collect();
    let answers = join_all(keys.iter().map(|key| shop.refund(&payment, "3.00", key))).await;
    let (made, refused): (Vec<&Value>, Vec<&Value>) =
        answers.iter().partition(|a| a["payment"].is_object());
    for answer in refused {
        assert_eq!(codes(answer), ["AMOUNT_EXCEEDS_CAPTURED"], "{answer}");
    }
    assert_eq!(made.len(), 13, "{answers:#?}");
    assert_eq!(
        refunded(&shop, &payment).await,
        (json!("PARTIALLY_REFUNDED"), json!("39.00"))
    );
    assert_eq!(given_back(&shop, &payment).await, (json!("39.00"), 13));
}

async fn a_refused_refund_frees_its_key(backend: Backend) {
    let shop = Shop::start(backend).await;
    let (_, payment) = shop.paid_order().await;

    let too_much = shop.refund(&payment, "40.01", "refund-1").await;
    assert_eq!(codes(&too_much), ["AMOUNT_EXCEEDS_CAPTURED"], "{too_much}");
    // Nothing was set aside with the key, so it is free for another amount.
    let part = shop.refund(&payment, "10.00", "refund-1").await;
    assert_eq!(part["userErrors"], json!([]), "{part}");
    assert_eq!(part["payment"]["refundedAmount"]["amount"], "10.00");
    assert_eq!(given_back(&shop, &payment).await, (json!("10.00"), 1));
}
