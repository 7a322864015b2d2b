use std::time::Duration;

use micromall_kit::contracts::orders::{CANCELLED, PAID};
use micromall_kit::on_every_backend;
use micromall_kit::testing::Backend;
use uuid::Uuid;

use crate::support::{Shop, eventually, hour};

on_every_backend!(
    a_paid_order_takes_its_stock_once,
    a_cancelled_paid_order_puts_stock_back,
    a_cancelled_unpaid_order_frees_its_hold,
    lapsed_holds_are_released_and_late_payments_still_take_stock,
    events_for_unknown_orders_change_nothing,
);

async fn a_paid_order_takes_its_stock_once(backend: Backend) {
    let shop = Shop::start(backend).await;
    let [variant, other] = shop.variants("Desk").await;
    shop.stock_up(variant, 5).await;
    shop.stock_up(other, 2).await;
    let order = Uuid::now_v7();
    shop.reserve(order, &[(variant, 2), (other, 2)], hour())
        .await;
    assert_eq!(shop.available(variant).await, 3);

    let paid = Shop::order_event(PAID, order);
    shop.deliver(&paid).await;
    assert_eq!(
        shop.totals(variant).await,
        (3, 0),
        "the goods left the shelves"
    );
    assert_eq!(shop.available(variant).await, 3, "customers see no change");
    assert_eq!(shop.available(other).await, 0);
    assert_eq!(shop.reservation(order).await.unwrap().0, "COMMITTED");

    shop.deliver(&paid).await;
    assert_eq!(
        shop.totals(variant).await,
        (3, 0),
        "a redelivered event takes nothing"
    );
    shop.deliver(&Shop::order_event(PAID, order)).await;
    assert_eq!(
        shop.totals(variant).await,
        (3, 0),
        "a second payment event neither"
    );

    // A count after the sale starts from what is left.
    let counted = shop.set_stock(&variant.to_string(), 10).await;
    assert_eq!(counted["variant"]["stock"]["available"], 10);
    assert_eq!(
        shop.assert_ledger_explains(variant).await,
        ["ADJUSTED", "RESERVED", "COMMITTED", "ADJUSTED"]
    );
    let ledger = shop.ledger(variant).await;
    assert_eq!((ledger[2].quantity, ledger[2].reference), (-2, Some(order)));
    assert_eq!(ledger[3].quantity, 7, "counted 10 where 3 were left");
    shop.assert_ledger_explains(other).await;
}

async fn a_cancelled_paid_order_puts_stock_back(backend: Backend) {
    let shop = Shop::start(backend).await;
    let [variant, _] = shop.variants("Shelf").await;
    shop.stock_up(variant, 5).await;
    let order = Uuid::now_v7();
    shop.reserve(order, &[(variant, 2)], hour()).await;
    shop.deliver(&Shop::order_event(PAID, order)).await;
    assert_eq!(shop.totals(variant).await, (3, 0));

    let cancelled = Shop::order_event(CANCELLED, order);
    shop.deliver(&cancelled).await;
    assert_eq!(shop.totals(variant).await, (5, 0));
    assert_eq!(shop.available(variant).await, 5);
    assert_eq!(
        shop.reservation(order).await,
        Some(("RELEASED".into(), Some("order cancelled".into())))
    );
    shop.deliver(&cancelled).await;
    assert_eq!(shop.available(variant).await, 5, "returned once");
    assert_eq!(
        shop.assert_ledger_explains(variant).await,
        ["ADJUSTED", "RESERVED", "COMMITTED", "RETURNED"]
    );
}

async fn a_cancelled_unpaid_order_frees_its_hold(backend: Backend) {
    let shop = Shop::start(backend).await;
    let [variant, _] = shop.variants("Stool").await;
    shop.stock_up(variant, 5).await;
    let order = Uuid::now_v7();
    shop.reserve(order, &[(variant, 4)], hour()).await;
    assert_eq!(shop.available(variant).await, 1);

    shop.deliver(&Shop::order_event(CANCELLED, order)).await;
    assert_eq!(shop.available(variant).await, 5);
    assert_eq!(shop.totals(variant).await, (5, 0));
    // A payment that somehow follows a cancellation takes nothing.
    shop.deliver(&Shop::order_event(PAID, order)).await;
    assert_eq!(shop.totals(variant).await, (5, 0));
    assert_eq!(
        shop.assert_ledger_explains(variant).await,
        ["ADJUSTED", "RESERVED", "RELEASED"]
    );
}

async fn lapsed_holds_are_released_and_late_payments_still_take_stock(backend: Backend) {
    let shop = Shop::start(backend).await;
    let [variant, _] = shop.variants("Clock").await;
    shop.stock_up(variant, 5).await;
    let lapsing = Uuid::now_v7();
    let kept = Uuid::now_v7();
    shop.reserve(lapsing, &[(variant, 3)], Duration::from_secs(1))
        .await;
    shop.reserve(kept, &[(variant, 1)], hour()).await;
    assert_eq!(shop.available(variant).await, 1);

    let released = eventually(Duration::from_secs(10), || async {
        shop.available(variant).await == 4
    })
    .await;
    assert!(released, "the sweeper gave the lapsed hold back");
    assert_eq!(
        shop.reservation(lapsing).await,
        Some(("RELEASED".into(), Some("expired".into())))
    );
    assert_eq!(shop.reservation(kept).await.unwrap().0, "HELD");

    // The customer paid after all: the goods are theirs.
    shop.deliver(&Shop::order_event(PAID, lapsing)).await;
    assert_eq!(shop.totals(variant).await, (2, 1));
    assert_eq!(shop.available(variant).await, 1);
    assert_eq!(shop.reservation(lapsing).await.unwrap().0, "COMMITTED");
    assert_eq!(
        shop.assert_ledger_explains(variant).await,
        ["ADJUSTED", "RESERVED", "RESERVED", "RELEASED", "COMMITTED"]
    );
    let taken = shop.ledger(variant).await.pop().unwrap();
    assert!(
        taken.note.as_deref().is_some_and(|n| n.contains("expired")),
        "{taken:?}"
    );
}

async fn events_for_unknown_orders_change_nothing(backend: Backend) {
    let shop = Shop::start(backend).await;
    let [variant, _] = shop.variants("Bench").await;
    shop.stock_up(variant, 5).await;
    shop.deliver(&Shop::order_event(PAID, Uuid::now_v7())).await;
    shop.deliver(&Shop::order_event(CANCELLED, Uuid::now_v7()))
        .await;
    let mut garbled = Shop::order_event(PAID, Uuid::now_v7());
    garbled.payload = serde_json::json!({ "orderId": "not an id" });
    shop.deliver(&garbled).await;
    assert_eq!(shop.totals(variant).await, (5, 0));
    assert_eq!(shop.assert_ledger_explains(variant).await, ["ADJUSTED"]);
}
