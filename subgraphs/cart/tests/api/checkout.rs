use micromall_kit::contracts::inventory::Line;
use micromall_kit::contracts::orders::{OrderPlaced, PLACED};
use micromall_kit::events::Event;
use micromall_kit::on_every_backend;
use micromall_kit::testing::{Backend, internal_call};
use rust_decimal::Decimal;
use sea_orm::{ConnectionTrait, Statement};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::support::{Customer, Shop};

on_every_backend!(
    checkout_reads_a_snapshot_and_clears_what_it_took,
    internal_endpoints_need_a_service_credential,
    a_placed_order_clears_its_cart_once,
);

/// The cart's lines as (variant, quantity), in cart order.
async fn lines(shop: &Shop, who: &Customer) -> Vec<(String, i64)> {
    shop.cart_of(who).await["lines"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| {
            (
                l["variant"]["id"].as_str().unwrap().to_owned(),
                l["quantity"].as_i64().unwrap(),
            )
        })
        .collect()
}

async fn checkout_reads_a_snapshot_and_clears_what_it_took(backend: Backend) {
    let shop = Shop::start(backend).await;
    let (a, b, c) = (
        shop.variant("1.00", 20).await,
        shop.variant("2.00", 20).await,
        shop.variant("3.00", 20).await,
    );
    let alice = shop.customer();
    shop.add(&alice, &a, 1).await;
    let added = shop.add(&alice, &b, 2).await;
    let cart_id = added["cart"]["id"].clone();

    let snapshot = shop.snapshot(&alice).await;
    assert_eq!(
        snapshot,
        json!({
            "cartId": cart_id,
            "version": 2,
            "lines": [{ "variantId": a, "quantity": 1 }, { "variantId": b, "quantity": 2 }],
            "couponCode": null,
        })
    );

    // While checkout runs, the customer changes b and adds c: those stay after the clear.
    let b_line = added["cart"]["lines"][1]["id"].as_str().unwrap().to_owned();
    shop.update(&alice, &b_line, 5).await;
    shop.add(&alice, &c, 1).await;
    let (status, cleared) = shop
        .internal("clear", json!({ "cartId": cart_id, "version": 2 }), true)
        .await;
    assert_eq!((status, cleared), (200, json!({ "cleared": true })));
    assert_eq!(lines(&shop, &alice).await, [(b.clone(), 5), (c.clone(), 1)]);
    let after = shop.snapshot(&alice).await;
    assert_eq!(after["version"], 5);

    // Clearing again changes nothing.
    let (status, _) = shop
        .internal("clear", json!({ "cartId": cart_id, "version": 2 }), true)
        .await;
    assert_eq!(status, 200);
    assert_eq!(shop.snapshot(&alice).await, after);

    let (status, unknown) = shop
        .internal(
            "clear",
            json!({ "cartId": Uuid::now_v7(), "version": 9 }),
            true,
        )
        .await;
    assert_eq!((status, unknown), (200, json!({ "cleared": false })));
}

async fn internal_endpoints_need_a_service_credential(backend: Backend) {
    let shop = Shop::without_inventory(backend).await;
    let alice = shop.customer();
    let (status, body) = shop
        .internal("snapshot", json!({ "userId": alice.id }), false)
        .await;
    assert_eq!(status, 401);
    assert_eq!(body["code"], "UNAUTHENTICATED");
    let (status, _) = shop
        .internal(
            "clear",
            json!({ "cartId": Uuid::now_v7(), "version": 1 }),
            false,
        )
        .await;
    assert_eq!(status, 401);
    // A customer's access token is not a service credential.
    let (status, _) = internal_call(
        &shop.cart.base_url(),
        "snapshot",
        &json!({ "userId": alice.id }),
        Some(&alice.token),
    )
    .await;
    assert_eq!(status, 401);
}

fn placed(who: &Customer, snapshot: &Value) -> Event {
    let cart_id = Uuid::parse_str(snapshot["cartId"].as_str().unwrap()).unwrap();
    let order = OrderPlaced {
        order_id: Uuid::now_v7(),
        customer_id: who.id,
        cart_id,
        cart_version: snapshot["version"].as_i64().unwrap(),
        lines: serde_json::from_value::<Vec<Line>>(snapshot["lines"].clone()).unwrap(),
        total: Decimal::ONE,
        currency: "USD".into(),
        items: Vec::new(),
        subtotal: Decimal::ONE,
        discount: Decimal::ZERO,
        shipping_cost: Decimal::ZERO,
        coupon_code: None,
    };
    Event {
        id: Uuid::now_v7(),
        subject: PLACED.into(),
        occurred_at: chrono::Utc::now(),
        payload: serde_json::to_value(order).unwrap(),
    }
}

async fn a_placed_order_clears_its_cart_once(backend: Backend) {
    let shop = Shop::start(backend).await;
    let (a, b, c) = (
        shop.variant("1.00", 20).await,
        shop.variant("2.00", 20).await,
        shop.variant("3.00", 20).await,
    );
    let (alice, mallory) = (shop.customer(), shop.customer());
    shop.add(&alice, &a, 1).await;
    shop.add(&alice, &b, 1).await;
    let event = placed(&alice, &shop.snapshot(&alice).await);
    shop.add(&alice, &c, 2).await;

    // An order of someone else naming Alice's cart leaves it alone.
    let mut forged = placed(&alice, &shop.snapshot(&alice).await);
    forged.payload["customerId"] = json!(mallory.id);
    let bus = &shop.cart.platform.bus;
    bus.publish(&forged).await.expect("handled");
    assert_eq!(lines(&shop, &alice).await.len(), 3);

    bus.publish(&event).await.expect("handled");
    assert_eq!(lines(&shop, &alice).await, [(c.clone(), 2)]);
    let after = shop.snapshot(&alice).await;
    assert_eq!(after["version"], 4);

    // Delivered again: recorded once, changes nothing.
    bus.publish(&event).await.expect("handled");
    assert_eq!(shop.snapshot(&alice).await, after);
    let db = &shop.cart.running().runtime.db;
    let handled = db
        .query_one_raw(Statement::from_sql_and_values(
            db.get_database_backend(),
            match db.get_database_backend() {
                sea_orm::DatabaseBackend::Postgres => {
                    "SELECT COUNT(*) AS n FROM inbox WHERE consumer = $1 AND event_id = $2"
                }
                _ => "SELECT COUNT(*) AS n FROM inbox WHERE consumer = ? AND event_id = ?",
            },
            ["cart".into(), event.id.into()],
        ))
        .await
        .unwrap()
        .unwrap()
        .try_get::<i64>("", "n")
        .unwrap();
    assert_eq!(handled, 1);
}
