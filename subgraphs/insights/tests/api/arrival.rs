//! Events arrive late, twice or out of order (a retried event goes behind newer ones): the
//! figures are the same whatever the order.

use chrono::{TimeDelta, Utc};
use micromall_kit::contracts::{inventory, orders, payments};
use micromall_kit::events::Event;
use micromall_kit::testing::{
    Backend, TestDatabase, TestSubgraph, access_token, settings_for, start_subgraph,
};
use rust_decimal::Decimal;
use serde_json::{Value, json};
use uuid::Uuid;

struct Shop {
    insights: TestSubgraph,
    admin: String,
    _db: TestDatabase,
}

impl Shop {
    async fn start(backend: Backend) -> Self {
        let db = TestDatabase::create(backend).await.expect("database");
        let settings = settings_for(&db, "insights");
        let admin = access_token(&settings, &["insights:read"]);
        let insights = start_subgraph(&micromall_insights::SUBGRAPH, settings).await;
        Self {
            insights,
            admin,
            _db: db,
        }
    }

    async fn publish(&self, event: &Event) {
        self.insights
            .platform
            .bus
            .publish(event)
            .await
            .expect("handled");
    }

    async fn figures(&self) -> Value {
        let from = (Utc::now() - TimeDelta::hours(2)).to_rfc3339();
        let to = (Utc::now() + TimeDelta::hours(2)).to_rfc3339();
        let body = self
            .insights
            .client()
            .gql(
                "query($f: DateTime!, $t: DateTime!) { insights(from: $f, to: $t) {
                   revenue { amount } orders ordersPlaced ordersPaid refunded { amount }
                   topByUnits { product { id } units revenue { amount } } lowStock { id } } }",
                json!({ "f": from, "t": to }),
                Some(&self.admin),
            )
            .await;
        assert!(body.get("errors").is_none(), "{body}");
        body["data"]["insights"].clone()
    }
}

fn event(subject: &str, payload: impl serde::Serialize, minutes_ago: i64) -> Event {
    Event {
        id: Uuid::now_v7(),
        subject: subject.into(),
        occurred_at: Utc::now() - TimeDelta::minutes(minutes_ago),
        payload: serde_json::to_value(payload).unwrap(),
    }
}

fn placed(
    order: Uuid,
    customer: Uuid,
    product: Uuid,
    quantity: i64,
    price: &str,
) -> orders::OrderPlaced {
    let unit: Decimal = price.parse().unwrap();
    let total = unit * Decimal::from(quantity);
    orders::OrderPlaced {
        order_id: order,
        customer_id: customer,
        cart_id: Uuid::now_v7(),
        cart_version: 1,
        lines: Vec::new(),
        total,
        currency: "USD".into(),
        items: vec![orders::PlacedItem {
            variant_id: Uuid::now_v7(),
            product_id: product,
            category_ids: Vec::new(),
            quantity,
            unit_price: unit,
            discount: Decimal::ZERO,
        }],
        subtotal: total,
        discount: Decimal::ZERO,
        shipping_cost: Decimal::ZERO,
        coupon_code: None,
    }
}

async fn a_payment_heard_before_its_order_still_counts(backend: Backend) {
    let shop = Shop::start(backend).await;
    let (customer, product) = (Uuid::now_v7(), Uuid::now_v7());
    let (early, usual) = (Uuid::now_v7(), Uuid::now_v7());
    let reference = |order| orders::OrderRef {
        order_id: order,
        customer_id: customer,
    };

    // The usual order of things for one order; the other's payment comes first (its
    // placement was retried), and both are delivered twice.
    let usual_placed = event(
        orders::PLACED,
        placed(usual, customer, product, 1, "10.00"),
        30,
    );
    let usual_paid = event(orders::PAID, reference(usual), 29);
    let early_paid = event(orders::PAID, reference(early), 20);
    let early_placed = event(
        orders::PLACED,
        placed(early, customer, product, 2, "15.00"),
        21,
    );
    for e in [
        &usual_placed,
        &usual_paid,
        &early_paid,
        &early_placed,
        &early_paid,
        &usual_placed,
    ] {
        shop.publish(e).await;
    }
    let refund = payments::PaymentEvent {
        payment_id: Uuid::now_v7(),
        order_id: early,
        amount: "4.50".parse().unwrap(),
        currency: "USD".into(),
        fully_refunded: false,
    };
    shop.publish(&event(payments::REFUNDED, refund, 10)).await;

    let seen = shop.figures().await;
    assert_eq!(seen["revenue"]["amount"], "40.00", "{seen}");
    assert_eq!(seen["orders"], 2);
    assert_eq!(seen["ordersPlaced"], 2);
    assert_eq!(seen["refunded"]["amount"], "4.50");
    assert_eq!(
        seen["topByUnits"],
        json!([{ "product": { "id": product.to_string() }, "units": 3, "revenue": { "amount": "40.00" } }])
    );
}

async fn the_latest_stock_level_wins_whatever_arrives_last(backend: Backend) {
    let shop = Shop::start(backend).await;
    let variant = Uuid::now_v7();
    let level = |available, minutes_ago| inventory::StockChanged {
        variant_id: variant,
        available,
        at: Utc::now() - TimeDelta::minutes(minutes_ago),
    };
    // Low now, but an older, higher count arrives after it.
    shop.publish(&event(inventory::STOCK_CHANGED, level(2, 1), 1))
        .await;
    shop.publish(&event(inventory::STOCK_CHANGED, level(40, 5), 5))
        .await;
    assert_eq!(
        shop.figures().await["lowStock"],
        json!([{ "id": variant.to_string() }])
    );
    // A newer restock lifts it.
    shop.publish(&event(inventory::STOCK_CHANGED, level(30, 0), 0))
        .await;
    assert_eq!(shop.figures().await["lowStock"], json!([]));
}

micromall_kit::on_every_backend!(
    a_payment_heard_before_its_order_still_counts,
    the_latest_stock_level_wins_whatever_arrives_last,
);
