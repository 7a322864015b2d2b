//! Parcels travelling with the sandbox carrier, which reports scans twice, late, out of
//! order and with exceptions: every timeline ends delivered in time order, the order is
//! delivered once every shipment is, and the delivery is announced once per shipment.

use micromall_kit::contracts::shipping;
use micromall_kit::testing::{Backend, eventually};
use serde_json::{Value, json};

use crate::support::{Parcels, Shop, WAIT, codes, timeline};

micromall_kit::on_every_backend!(
    parcels_reach_the_door_and_the_order_is_delivered_once,
    staff_record_scans_by_hand_under_the_same_rules,
);

async fn tracked(shop: &Shop, who: &str, shipment: &Value) -> Value {
    shop.track(who, shipment["trackingNumber"].as_str().unwrap())
        .await
}

async fn parcels_reach_the_door_and_the_order_is_delivered_once(backend: Backend) {
    let shop = Shop::start(backend, Parcels::Travelling).await;
    let mut delivered_events = shop.deliveries().await;
    let (desk, lamp) = (
        shop.variant("120.00", Some(15000)).await,
        shop.variant("35.00", Some(900)).await,
    );
    let order = shop.paid_order(&[(&desk, 1), (&lamp, 1)]).await;

    let first = shop
        .ship(
            &order.id,
            Some(json!([{ "orderLineId": order.lines[0], "quantity": 1 }])),
        )
        .await["shipment"]
        .clone();
    assert_eq!(shop.order_status(&order.id).await, "PARTIALLY_SHIPPED");
    let arrived = eventually(WAIT, || async {
        tracked(&shop, &order.customer.token, &first).await["status"] == "DELIVERED"
    })
    .await;
    let seen = tracked(&shop, &order.customer.token, &first).await;
    assert!(arrived, "the first parcel never arrived: {seen}");
    // One parcel of two delivered: the order is not.
    assert_eq!(shop.order_status(&order.id).await, "PARTIALLY_SHIPPED");

    let second = shop.ship(&order.id, None).await["shipment"].clone();
    assert_eq!(shop.order_status(&order.id).await, "SHIPPED");
    shop.order_reaches(&order.id, "DELIVERED").await;

    for shipment in [&first, &second] {
        // Scans keep arriving after delivery (duplicates, late ones); wait for the full set.
        let full = eventually(WAIT, || async {
            timeline(&tracked(&shop, &shop.staff, shipment).await).len() >= 6
        })
        .await;
        let seen = tracked(&shop, &shop.staff, shipment).await;
        assert!(full, "timeline incomplete: {seen}");
        let statuses = timeline(&seen);
        assert_eq!(
            statuses.first().map(String::as_str),
            Some("LABEL_CREATED"),
            "{seen}"
        );
        assert_eq!(
            statuses.last().map(String::as_str),
            Some("DELIVERED"),
            "{seen}"
        );
        assert_eq!(seen["status"], "DELIVERED");
        let times: Vec<&str> = seen["events"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["occurredAt"].as_str().unwrap())
            .collect();
        let mut sorted = times.clone();
        sorted.sort();
        assert_eq!(times, sorted, "timeline out of order: {seen}");
        // Duplicates were reported but each scan shows once.
        let mut distinct = times.clone();
        distinct.dedup();
        assert_eq!(distinct.len(), times.len(), "a scan shows twice: {seen}");
    }

    // Each shipment's delivery was announced exactly once, the last one as completing it.
    let mut announced = Vec::new();
    while let Ok(Some(event)) =
        tokio::time::timeout(std::time::Duration::from_secs(1), delivered_events.recv()).await
    {
        announced.push(serde_json::from_value::<shipping::ShipmentEvent>(event.payload).unwrap());
    }
    assert_eq!(announced.len(), 2, "{announced:?}");
    let ids: Vec<String> = announced
        .iter()
        .map(|e| e.shipment_id.to_string())
        .collect();
    assert!(ids.contains(&first["id"].as_str().unwrap().to_owned()));
    assert!(ids.contains(&second["id"].as_str().unwrap().to_owned()));
    assert_eq!(announced.iter().filter(|e| e.order_complete).count(), 1);
    assert!(announced.iter().all(|e| e.customer_id == order.customer.id));
    // Reviews read what was delivered from here.
    let products: usize = announced.iter().map(|e| e.lines.len()).sum();
    assert_eq!(products, 2);
}

async fn staff_record_scans_by_hand_under_the_same_rules(backend: Backend) {
    let shop = Shop::start(backend, Parcels::Silent).await;
    let rug = shop.variant("60.00", Some(3000)).await;
    let order = shop.paid_order(&[(&rug, 1)]).await;
    let shipment = shop.ship(&order.id, None).await["shipment"].clone();
    let add = |status: &str, minutes: Option<i64>, description: &str| {
        let at = minutes.map(|m| {
            (chrono::DateTime::parse_from_rfc3339("2026-11-30T09:00:00Z").unwrap()
                + chrono::TimeDelta::minutes(m))
            .to_rfc3339()
        });
        let (status, description) = (status.to_owned(), description.to_owned());
        let shop = &shop;
        let id = shipment["id"].clone();
        async move {
            shop.data(
                "shipping",
                "addTrackingEvent",
                "mutation($i: TrackingEventInput!) { addTrackingEvent(input: $i) { shipment { status events { status } } userErrors { code field } } }",
                json!({ "i": { "shipmentId": id, "status": status, "description": description, "location": "Hub", "occurredAt": at } }),
                &shop.staff,
            )
            .await
        }
    };
    let moved = add("IN_TRANSIT", None, "Handed to the van").await;
    assert_eq!(moved["shipment"]["status"], "IN_TRANSIT", "{moved}");
    // Older than the current status: in the timeline, first, but the status stays.
    let old = add("LABEL_CREATED", Some(-600), "Label printed").await;
    assert_eq!(old["shipment"]["status"], "IN_TRANSIT", "{old}");
    assert_eq!(
        old["shipment"]["events"][0]["status"], "LABEL_CREATED",
        "{old}"
    );
    assert_eq!(
        codes(&add("IN_TRANSIT", None, " ").await),
        ["INVALID_TRACKING_EVENT"]
    );
    assert_eq!(
        codes(&add("IN_TRANSIT", None, &"x".repeat(501)).await),
        ["INVALID_TRACKING_EVENT"]
    );
    let nowhere = shop
        .data(
            "shipping",
            "addTrackingEvent",
            "mutation { addTrackingEvent(input: {shipmentId: \"nope\", status: DELIVERED, description: \"x\"}) { userErrors { code field } } }",
            json!({}),
            &shop.staff,
        )
        .await;
    assert_eq!(
        nowhere["userErrors"],
        json!([{ "code": "NOT_FOUND", "field": ["input", "shipmentId"] }])
    );

    let delivered = add("DELIVERED", None, "Left with the neighbour").await;
    assert_eq!(delivered["shipment"]["status"], "DELIVERED", "{delivered}");
    shop.order_reaches(&order.id, "DELIVERED").await;
    // Nothing moves a delivered parcel.
    let after = add("EXCEPTION", None, "Scanned again").await;
    assert_eq!(after["shipment"]["status"], "DELIVERED", "{after}");
}
