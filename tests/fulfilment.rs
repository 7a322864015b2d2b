//! Issue 11 through the router, on the embedded stack (SQLite, in-process bus) and on
//! PostgreSQL + NATS + Redis when `MICROMALL_TEST_*` are set: shipping zones and methods
//! charged at checkout, a paid order shipped in two parcels that the sandbox carrier carries
//! to the door, tracking for the owner only, reviews unlocked by each delivery, and a crash
//! between a delivery's commit and its event.

mod common;

use std::time::{Duration, Instant};

use common::shop::{Item, Shop};
use micromall_kit::testing::Backend;
use serde_json::{Value, json};

const SHIPMENT: &str =
    "id status trackingNumber lines { orderLineId quantity } events { status occurredAt location }";

/// An address in the zone the tests make.
fn home() -> Value {
    json!({
        "name": "Grace Hopper", "line1": "1 Harbor Way", "city": "Arlington",
        "postalCode": "22201", "country": "US"
    })
}

/// A zone for the US with a flat Express and a Standard that is free from 50.00; their ids.
async fn zones(shop: &Shop) -> (String, String) {
    let zone = shop
        .gql(
            "mutation { createShippingZone(input: {name: \"Home\", countries: [\"US\"]}) { zone { id } userErrors { code } } }",
            json!({}),
            &shop.admin,
        )
        .await;
    let zone = zone["data"]["createShippingZone"]["zone"]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("{zone}"))
        .to_owned();
    let mut ids = Vec::new();
    for method in [
        json!({ "zoneId": zone, "name": "Standard", "kind": "FREE_ABOVE", "price": "4.99", "freeAbove": "50", "minDeliveryDays": 3, "maxDeliveryDays": 5 }),
        json!({ "zoneId": zone, "name": "Express", "kind": "FLAT", "price": "14.99", "minDeliveryDays": 1, "maxDeliveryDays": 2 }),
    ] {
        let name = method["name"].clone();
        let made = shop
            .gql(
                "mutation($i: ShippingMethodInput!) { createShippingMethod(input: $i) { zone { methods { id name } } userErrors { code } } }",
                json!({ "i": method }),
                &shop.admin,
            )
            .await;
        let id = made["data"]["createShippingMethod"]["zone"]["methods"]
            .as_array()
            .and_then(|all| all.iter().find(|m| m["name"] == name))
            .and_then(|m| m["id"].as_str())
            .unwrap_or_else(|| panic!("{made}"))
            .to_owned();
        ids.push(id);
    }
    (ids[0].clone(), ids[1].clone())
}

async fn checkout(shop: &Shop, token: &str, method: Option<&str>) -> Value {
    let body = shop
        .gql(
            "mutation($i: CheckoutInput!) {
               checkout(input: $i) {
                 order { id status subtotal { amount } shippingCost { amount } total { amount } estimatedDelivery lines { id } }
                 userErrors { code field }
               }
             }",
            json!({ "i": { "idempotencyKey": uuid::Uuid::now_v7().to_string(), "shippingAddress": home(), "shippingMethodId": method } }),
            token,
        )
        .await;
    assert!(body.get("errors").is_none(), "{body}");
    body["data"]["checkout"].clone()
}

/// A new customer's paid order of one `a` and two `b`: (customer, order id, line ids).
async fn paid_order(shop: &Shop, a: &Item, b: &Item) -> (String, String, Vec<String>) {
    let customer = shop.customer("ship").await;
    shop.add_to_cart(&customer, &a.variant, 1).await;
    shop.add_to_cart(&customer, &b.variant, 2).await;
    let placed = checkout(shop, &customer, None).await;
    let order = placed["order"]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("{placed}"))
        .to_owned();
    let lines = placed["order"]["lines"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["id"].as_str().unwrap().to_owned())
        .collect();
    shop.pay(&customer, &order, "sandbox_ok", &order).await;
    shop.eventually(&customer, &order, |o| o["status"] == "PAID")
        .await;
    (customer, order, lines)
}

async fn ship(shop: &Shop, order: &str, lines: Option<Value>) -> Value {
    let body = shop
        .gql(
            &format!(
                "mutation($i: CreateShipmentInput!) {{ createShipment(input: $i) {{ shipment {{ {SHIPMENT} }} userErrors {{ code }} }} }}"
            ),
            json!({ "i": { "orderId": order, "carrier": "sandbox", "lines": lines } }),
            &shop.admin,
        )
        .await;
    body["data"]["createShipment"]["shipment"]
        .as_object()
        .map(|_| body["data"]["createShipment"]["shipment"].clone())
        .unwrap_or_else(|| panic!("not shipped: {body}"))
}

/// `submitReview` of `product` as `token`; the payload.
async fn review(shop: &Shop, token: &str, product: &str, rating: i32) -> Value {
    let body = shop
        .gql(
            "mutation($i: SubmitReviewInput!) { submitReview(input: $i) { review { id rating verifiedPurchase } userErrors { code } } }",
            json!({ "i": { "productId": product, "rating": rating, "title": "Arrived", "body": "As described." } }),
            token,
        )
        .await;
    assert!(body.get("errors").is_none(), "{body}");
    body["data"]["submitReview"].clone()
}

async fn track(shop: &Shop, token: &str, number: &str) -> Value {
    let body = shop
        .gql(
            &format!("query($t: String!) {{ trackShipment(trackingNumber: $t) {{ {SHIPMENT} }} }}"),
            json!({ "t": number }),
            token,
        )
        .await;
    assert!(body.get("errors").is_none(), "{body}");
    body["data"]["trackShipment"].clone()
}

async fn delivered(shop: &Shop, token: &str, shipment: &Value) -> Value {
    let number = shipment["trackingNumber"].as_str().unwrap();
    let started = Instant::now();
    loop {
        let seen = track(shop, token, number).await;
        if seen["status"] == "DELIVERED" {
            return seen;
        }
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "never delivered: {seen}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Acceptance 1: two parcels, partly shipped, tracked by the owner only, delivered.
async fn an_order_travels_to_the_door_in_two_parcels(backend: Backend) {
    let shop = Shop::start(backend, &[]).await;
    zones(&shop).await;
    let (lamp, bulb) = (
        shop.product("Lamp", "45.00", 5).await,
        shop.product("Bulb", "3.50", 20).await,
    );
    let (owner, order, lines) = paid_order(&shop, &lamp, &bulb).await;

    let first = ship(
        &shop,
        &order,
        Some(json!([{ "orderLineId": lines[0], "quantity": 1 }])),
    )
    .await;
    shop.eventually(&owner, &order, |o| o["status"] == "PARTIALLY_SHIPPED")
        .await;
    let cancel = shop
        .gql(
            "mutation($id: ID!) { cancelOrder(id: $id) { userErrors { code } } }",
            json!({ "id": order }),
            &owner,
        )
        .await;
    assert_eq!(
        cancel["data"]["cancelOrder"]["userErrors"][0]["code"], "INVALID_STATE",
        "{cancel}"
    );

    let first = delivered(&shop, &owner, &first).await;
    let events = first["events"].as_array().unwrap();
    assert!(events.len() >= 3, "{first}");
    assert_eq!(events.last().unwrap()["status"], "DELIVERED", "{first}");
    let times: Vec<&str> = events
        .iter()
        .map(|e| e["occurredAt"].as_str().unwrap())
        .collect();
    assert!(times.windows(2).all(|w| w[0] <= w[1]), "{first}");
    let stranger = shop.customer("nosy").await;
    assert!(
        track(&shop, &stranger, first["trackingNumber"].as_str().unwrap())
            .await
            .is_null()
    );
    assert_eq!(
        shop.order(&owner, &order).await["status"],
        "PARTIALLY_SHIPPED"
    );

    let second = ship(&shop, &order, None).await;
    assert_eq!(second["lines"][0]["quantity"], 2, "{second}");
    delivered(&shop, &owner, &second).await;
    let done = shop
        .eventually(&owner, &order, |o| o["status"] == "DELIVERED")
        .await;
    let history: Vec<&str> = done["statusHistory"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["to"].as_str().unwrap())
        .collect();
    assert_eq!(
        history,
        [
            "PENDING_PAYMENT",
            "PAID",
            "PARTIALLY_SHIPPED",
            "SHIPPED",
            "DELIVERED"
        ]
    );
    // The order shows its parcels, the latest as `shipment`.
    let shown = shop
        .gql(
            "query($id: ID!) { order(id: $id) { shipment { id } shipments { id status } } }",
            json!({ "id": order }),
            &owner,
        )
        .await;
    assert_eq!(
        shown["data"]["order"]["shipments"]
            .as_array()
            .unwrap()
            .len(),
        2,
        "{shown}"
    );
    assert_eq!(shown["data"]["order"]["shipment"]["id"], second["id"]);
}

/// Acceptance 3: the chosen method's price, free at the threshold, refused elsewhere.
async fn checkout_charges_the_chosen_shipping_method(backend: Backend) {
    let shop = Shop::start(backend, &[]).await;
    let (standard, express) = zones(&shop).await;
    let mug = shop.product("Mug", "25.00", 10).await;

    let customer = shop.customer("buyer").await;
    shop.add_to_cart(&customer, &mug.variant, 1).await;
    let placed = checkout(&shop, &customer, Some(&express)).await;
    assert_eq!(
        placed["order"]["shippingCost"]["amount"], "14.99",
        "{placed}"
    );
    assert_eq!(placed["order"]["total"]["amount"], "39.99", "{placed}");
    assert!(placed["order"]["estimatedDelivery"].is_string(), "{placed}");

    let customer = shop.customer("threshold").await;
    shop.add_to_cart(&customer, &mug.variant, 2).await;
    let placed = checkout(&shop, &customer, Some(&standard)).await;
    assert_eq!(
        placed["order"]["shippingCost"]["amount"], "0.00",
        "{placed}"
    );
    assert_eq!(placed["order"]["total"]["amount"], "50.00", "{placed}");

    let customer = shop.customer("abroad").await;
    shop.add_to_cart(&customer, &mug.variant, 1).await;
    let body = shop
        .gql(
            "mutation($i: CheckoutInput!) { checkout(input: $i) { order { id } userErrors { code field } } }",
            json!({ "i": {
                "idempotencyKey": "abroad-1", "shippingMethodId": express,
                "shippingAddress": { "name": "Ada", "line1": "1 Rue", "city": "Paris", "postalCode": "75001", "country": "FR" },
            } }),
            &customer,
        )
        .await;
    assert_eq!(
        body["data"]["checkout"]["userErrors"],
        json!([{ "code": "SHIPPING_METHOD_UNAVAILABLE", "field": ["input", "shippingMethodId"] }]),
        "{body}"
    );
    let offered = shop
        .gql(
            "{ shippingMethods(country: \"US\", subtotal: \"25.00\") { name price { amount } } }",
            json!({}),
            &customer,
        )
        .await;
    assert_eq!(
        offered["data"]["shippingMethods"],
        json!([{ "name": "Standard", "price": { "amount": "4.99" } }, { "name": "Express", "price": { "amount": "14.99" } }])
    );
}

/// Acceptance 5: killed between a delivery's commit and its event, the order is delivered
/// once after a restart.
async fn a_crash_after_the_delivery_commit_delivers_once(backend: Backend) {
    const FAULT: &str = "MICROMALL_FAULT_ABORT_AFTER_COMMIT";
    let mut shop = Shop::start(backend, &[(FAULT, "shipping.shipment.delivered")]).await;
    let (kite, string) = (
        shop.product("Kite", "30.00", 5).await,
        shop.product("String", "2.00", 5).await,
    );
    let (owner, order, _) = paid_order(&shop, &kite, &string).await;
    let shipment = ship(&shop, &order, None).await;
    // The delivery's commit aborts the process before its event leaves the outbox.
    let started = Instant::now();
    let exit = loop {
        if let Some(status) = shop.stack.child.try_wait().unwrap() {
            break status;
        }
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "no crash happened"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert!(!exit.success(), "the process was aborted: {exit}");

    shop.stack.restart_without(&[FAULT]).await;
    let seen = track(&shop, &owner, shipment["trackingNumber"].as_str().unwrap()).await;
    assert_eq!(seen["status"], "DELIVERED", "{seen}");
    let done = shop
        .eventually(&owner, &order, |o| o["status"] == "DELIVERED")
        .await;
    tokio::time::sleep(Duration::from_millis(800)).await;
    let done_again = shop.order(&owner, &order).await;
    let delivered_times = |o: &Value| {
        o["statusHistory"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|s| s["to"] == "DELIVERED")
            .count()
    };
    assert_eq!(delivered_times(&done), 1);
    assert_eq!(delivered_times(&done_again), 1);
    // The delivery reached reviews too: the kite can be reviewed.
    let reviewed = wait_for_review(&shop, &owner, &kite.product, 5).await;
    assert_eq!(reviewed["review"]["rating"], 5, "{reviewed}");
}

/// Submits a review once reviews has learned of the delivery (it follows the event).
async fn wait_for_review(shop: &Shop, token: &str, product: &str, rating: i32) -> Value {
    let started = Instant::now();
    loop {
        let answer = review(shop, token, product, rating).await;
        if answer["review"].is_object() {
            return answer;
        }
        assert_eq!(answer["userErrors"][0]["code"], "NOT_PURCHASED", "{answer}");
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "never reviewable: {answer}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

micromall_kit::on_every_backend!(
    an_order_travels_to_the_door_in_two_parcels,
    checkout_charges_the_chosen_shipping_method,
    a_crash_after_the_delivery_commit_delivers_once,
);
