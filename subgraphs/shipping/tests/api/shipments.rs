//! Shipping paid orders: part by part or all at once, the order's status following, never
//! more than was bought (even when two admins ship at once), and only for fulfilment staff.

use micromall_kit::testing::{Backend, error_code};
use serde_json::json;

use crate::support::{Parcels, Shop, codes};

micromall_kit::on_every_backend!(
    an_order_ships_in_parts_and_can_no_longer_be_cancelled,
    what_cannot_ship_is_refused_with_the_reason,
    admins_shipping_at_once_never_ship_a_unit_twice,
);

async fn an_order_ships_in_parts_and_can_no_longer_be_cancelled(backend: Backend) {
    let shop = Shop::start(backend, Parcels::Silent).await;
    let (kettle, cups) = (
        shop.variant("40.00", Some(1200)).await,
        shop.variant("6.00", Some(200)).await,
    );
    let order = shop.paid_order(&[(&kettle, 1), (&cups, 4)]).await;

    // Two of the four cups first.
    let first = shop
        .ship(
            &order.id,
            Some(json!([{ "orderLineId": order.lines[1], "quantity": 2 }])),
        )
        .await;
    assert_eq!(codes(&first), Vec::<String>::new(), "{first}");
    let shipment = &first["shipment"];
    assert_eq!(shipment["status"], "LABEL_CREATED");
    assert_eq!(shipment["carrier"], "sandbox");
    assert!(
        shipment["trackingNumber"]
            .as_str()
            .unwrap()
            .starts_with("SBX"),
        "{shipment}"
    );
    assert!(
        shipment["labelUrl"]
            .as_str()
            .unwrap()
            .contains("/v1/labels/")
    );
    assert_eq!(
        shipment["lines"],
        json!([{ "orderLineId": order.lines[1], "sku": shipment["lines"][0]["sku"], "quantity": 2 }])
    );
    assert_eq!(shop.order_status(&order.id).await, "PARTIALLY_SHIPPED");

    // Goods have left: neither the customer nor staff can cancel any more.
    for who in [&order.customer.token, &shop.staff] {
        let cancelled = shop
            .data(
                "orders",
                "cancelOrder",
                "mutation($id: ID!) { cancelOrder(id: $id) { order { status } userErrors { code } } }",
                json!({ "id": order.id }),
                who,
            )
            .await;
        assert_eq!(codes(&cancelled), ["INVALID_STATE"], "{cancelled}");
    }

    // The rest: the kettle and the other two cups.
    let rest = shop.ship(&order.id, None).await;
    let lines = rest["shipment"]["lines"].as_array().unwrap().clone();
    assert_eq!(lines.len(), 2, "{rest}");
    let quantities: Vec<i64> = lines
        .iter()
        .map(|l| l["quantity"].as_i64().unwrap())
        .collect();
    assert_eq!(quantities.iter().sum::<i64>(), 3, "{rest}");
    assert_eq!(shop.order_status(&order.id).await, "SHIPPED");

    // Nothing is left to ship.
    assert_eq!(codes(&shop.ship(&order.id, None).await), ["INVALID_STATE"]);

    // The order shows both, oldest first, and `shipment` is the latest; its customer sees
    // them, another customer does not.
    let seen = shop.shipments_of(&order.customer.token, &order.id).await;
    assert_eq!(seen.len(), 2);
    assert_eq!(seen[0]["id"], shipment["id"]);
    let stranger = shop.customer();
    assert!(
        shop.shipments_of(&stranger.token, &order.id)
            .await
            .is_empty()
    );
    assert!(
        shop.track(
            &stranger.token,
            shipment["trackingNumber"].as_str().unwrap()
        )
        .await
        .is_null()
    );
    let tracked = shop
        .track(
            &order.customer.token,
            shipment["trackingNumber"].as_str().unwrap(),
        )
        .await;
    assert_eq!(tracked["id"], shipment["id"]);
}

async fn what_cannot_ship_is_refused_with_the_reason(backend: Backend) {
    let shop = Shop::start(backend, Parcels::Silent).await;
    let book = shop.variant("15.00", Some(400)).await;

    // Unpaid.
    let customer = shop.customer();
    shop.fill_cart(&customer, &[(&book, 1)]).await;
    let unpaid = shop.checkout(&customer, "US", None).await["order"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let refused = shop.ship(&unpaid, None).await;
    assert_eq!(codes(&refused), ["INVALID_STATE"], "{refused}");
    assert!(
        refused["userErrors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("PENDING_PAYMENT")
    );

    let order = shop.paid_order(&[(&book, 2)]).await;
    let fields = |payload: &serde_json::Value| -> Vec<String> {
        payload["userErrors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| {
                let path: Vec<&str> = e["field"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|p| p.as_str().unwrap())
                    .collect();
                format!("{}@{}", e["code"].as_str().unwrap(), path.join("."))
            })
            .collect()
    };
    let bad = shop
        .ship(
            &order.id,
            Some(json!([
                { "orderLineId": order.lines[0], "quantity": 3 },
                { "orderLineId": "0190a0a0-0000-7000-8000-000000000000", "quantity": 1 },
                { "orderLineId": "'; DROP TABLE shipments; --", "quantity": 1 },
            ])),
        )
        .await;
    assert_eq!(
        fields(&bad),
        [
            "NOT_FOUND@input.lines.1.orderLineId",
            "NOT_FOUND@input.lines.2.orderLineId",
            "INVALID_QUANTITY@input.lines.0.quantity",
        ]
    );
    assert_eq!(
        fields(&shop.ship(&order.id, Some(json!([]))).await),
        ["INVALID_QUANTITY@input.lines"]
    );
    assert_eq!(
        fields(
            &shop
                .ship(
                    &order.id,
                    Some(json!([{ "orderLineId": order.lines[0], "quantity": 0 }]))
                )
                .await
        ),
        ["INVALID_QUANTITY@input.lines.0.quantity"]
    );
    assert_eq!(
        fields(&shop.ship("nope", None).await),
        ["NOT_FOUND@input.orderId"]
    );
    assert_eq!(
        fields(
            &shop
                .ship("0190a0a0-0000-7000-8000-000000000000", None)
                .await
        ),
        ["NOT_FOUND@input.orderId"]
    );
    let unknown_carrier = shop
        .gql(
            "shipping",
            "mutation($i: CreateShipmentInput!) { createShipment(input: $i) { shipment { id } userErrors { code field } } }",
            json!({ "i": { "orderId": order.id, "carrier": "pigeon" } }),
            &shop.staff,
        )
        .await;
    assert_eq!(
        codes(&unknown_carrier["data"]["createShipment"]),
        ["UNKNOWN_CARRIER"]
    );
    // None of it shipped anything.
    assert_eq!(shop.order_status(&order.id).await, "PAID");

    // Only fulfilment staff ship.
    let denied = shop.ship_as(&order.customer.token, &order.id, None).await;
    assert_eq!(error_code(&denied), "FORBIDDEN", "{denied}");
    assert_eq!(shop.order_status(&order.id).await, "PAID");
}

async fn admins_shipping_at_once_never_ship_a_unit_twice(backend: Backend) {
    let shop = Shop::start(backend, Parcels::Silent).await;
    let chair = shop.variant("80.00", Some(5000)).await;
    let order = shop.paid_order(&[(&chair, 3)]).await;
    let attempts = futures::future::join_all((0..6).map(|_| {
        shop.ship(
            &order.id,
            Some(json!([{ "orderLineId": order.lines[0], "quantity": 2 }])),
        )
    }))
    .await;
    let made = attempts
        .iter()
        .filter(|a| a["shipment"].is_object())
        .count();
    assert_eq!(made, 1, "{attempts:?}");
    for refused in attempts.iter().filter(|a| a["shipment"].is_null()) {
        assert_eq!(codes(refused), ["INVALID_QUANTITY"], "{refused}");
    }
    // One chair is left, and shipping it completes the order.
    let rest = shop.ship(&order.id, None).await;
    assert_eq!(rest["shipment"]["lines"][0]["quantity"], 1, "{rest}");
    assert_eq!(shop.order_status(&order.id).await, "SHIPPED");
}
