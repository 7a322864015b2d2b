//! `POST /webhooks/carriers/sandbox` attacked: forged, stale, replayed and malformed
//! callbacks change nothing; scans sent out of order give a sorted timeline and a status
//! that never goes back; a replay storm records one scan.

use micromall_kit::testing::Backend;
use serde_json::Value;

use crate::support::{CARRIER_SECRET, Parcels, Shop, scan, timeline};

micromall_kit::on_every_backend!(
    forged_stale_and_replayed_callbacks_change_nothing,
    scans_out_of_order_never_move_the_status_back,
);

async fn shipped(shop: &Shop) -> (Value, String) {
    let vase = shop.variant("22.00", Some(600)).await;
    let order = shop.paid_order(&[(&vase, 1)]).await;
    let shipment = shop.ship(&order.id, None).await["shipment"].clone();
    assert!(shipment.is_object(), "not shipped");
    (shipment, order.id)
}

async fn seen(shop: &Shop, shipment: &Value) -> Value {
    shop.track(&shop.staff, shipment["trackingNumber"].as_str().unwrap())
        .await
}

async fn forged_stale_and_replayed_callbacks_change_nothing(backend: Backend) {
    let shop = Shop::start(backend, Parcels::Silent).await;
    let (shipment, order) = shipped(&shop).await;
    let delivered = scan("evt_forged_1", &shipment, "DELIVERED", 10);

    assert_eq!(shop.callback("not the secret", 0, &delivered).await, 401);
    assert_eq!(shop.raw_callback(None, &delivered).await, 401);
    assert_eq!(shop.raw_callback(Some("t=1,v1=zz"), &delivered).await, 401);
    assert_eq!(shop.callback(CARRIER_SECRET, 3600, &delivered).await, 400);
    assert_eq!(shop.callback(CARRIER_SECRET, -3600, &delivered).await, 400);
    // Signed, but not a scan of ours, or not a scan at all.
    assert_eq!(shop.callback(CARRIER_SECRET, 0, b"{\"id\":1}").await, 400);
    assert_eq!(shop.callback(CARRIER_SECRET, 0, b"\xff\xfe").await, 400);
    let mut stranger = shipment.clone();
    stranger["trackingNumber"] = "SBXNOSUCHPARCEL".into();
    stranger["id"] = "0190a0a0-0000-7000-8000-000000000000".into();
    assert_eq!(
        shop.callback(
            CARRIER_SECRET,
            0,
            &scan("evt_x", &stranger, "DELIVERED", 10)
        )
        .await,
        404
    );
    let huge = vec![b'a'; 64 * 1024];
    assert_eq!(shop.callback(CARRIER_SECRET, 0, &huge).await, 413);
    let unknown_status = String::from_utf8(scan("evt_y", &shipment, "DELIVERED", 10))
        .unwrap()
        .replace("\"DELIVERED\"", "\"TELEPORTED\"");
    assert_eq!(
        shop.callback(CARRIER_SECRET, 0, unknown_status.as_bytes())
            .await,
        400
    );
    let now = seen(&shop, &shipment).await;
    assert_eq!(now["status"], "LABEL_CREATED", "{now}");
    assert!(timeline(&now).is_empty(), "{now}");
    assert_eq!(shop.order_status(&order).await, "SHIPPED");

    // One genuine scan, replayed many times at once: recorded once.
    let transit = scan("evt_transit_1", &shipment, "IN_TRANSIT", 5);
    let answers =
        futures::future::join_all((0..10).map(|_| shop.callback(CARRIER_SECRET, 0, &transit)))
            .await;
    assert!(answers.iter().all(|a| *a == 200), "{answers:?}");
    let now = seen(&shop, &shipment).await;
    assert_eq!(timeline(&now), ["IN_TRANSIT"], "{now}");
    // Replayed later, re-signed with a fresh time: still nothing new.
    assert_eq!(shop.callback(CARRIER_SECRET, 0, &transit).await, 200);
    assert_eq!(timeline(&seen(&shop, &shipment).await), ["IN_TRANSIT"]);
}

async fn scans_out_of_order_never_move_the_status_back(backend: Backend) {
    let shop = Shop::start(backend, Parcels::Silent).await;
    let (shipment, order) = shipped(&shop).await;
    let send = |id: &str, status: &str, minute: i64| {
        let body = scan(id, &shipment, status, minute);
        let shop = &shop;
        async move {
            assert_eq!(shop.callback(CARRIER_SECRET, 0, &body).await, 200);
        }
    };
    send("e3", "OUT_FOR_DELIVERY", 30).await;
    send("e1", "LABEL_CREATED", 0).await;
    send("e2", "IN_TRANSIT", 10).await;
    assert_eq!(seen(&shop, &shipment).await["status"], "OUT_FOR_DELIVERY");
    send("e5", "DELIVERED", 50).await;
    send("e4", "EXCEPTION", 40).await;
    let now = seen(&shop, &shipment).await;
    assert_eq!(now["status"], "DELIVERED", "{now}");
    assert_eq!(
        timeline(&now),
        [
            "LABEL_CREATED",
            "IN_TRANSIT",
            "OUT_FOR_DELIVERY",
            "EXCEPTION",
            "DELIVERED"
        ]
    );
    shop.order_reaches(&order, "DELIVERED").await;
}
