use std::time::Duration;

use micromall_kit::on_every_backend;
use micromall_kit::testing::Backend;
use serde_json::json;
use uuid::Uuid;

use crate::support::{Shop, hour};

on_every_backend!(
    internal_calls_need_a_service_credential,
    a_hold_lowers_availability_all_lines_or_none,
    concurrent_holds_never_oversell,
    a_hold_asked_twice_holds_once,
    releasing_gives_stock_back_once,
    bad_holds_are_refused,
);

async fn internal_calls_need_a_service_credential(backend: Backend) {
    let shop = Shop::start(backend).await;
    let [variant, _] = shop.variants("Mug").await;
    shop.stock_up(variant, 3).await;
    let lines = json!([{ "variantId": variant, "quantity": 1 }]);
    let body = json!({ "reservationId": Uuid::now_v7(), "lines": lines, "expiresAt": "2099-01-01T00:00:00Z" });

    let (status, refusal) = shop.internal("reserve", body.clone(), false).await;
    assert_eq!(status, 401);
    assert_eq!(refusal["code"], "UNAUTHENTICATED");
    let (status, _) = shop
        .internal("availability", json!({ "variantIds": [variant] }), false)
        .await;
    assert_eq!(status, 401);
    assert_eq!(shop.available(variant).await, 3, "nothing was held");

    let (status, answer) = shop.internal("reserve", body, true).await;
    assert_eq!((status, answer), (200, json!({ "reserved": true })));
    let unknown = Uuid::now_v7();
    let (status, answer) = shop
        .internal(
            "availability",
            json!({ "variantIds": [variant, unknown, variant] }),
            true,
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(
        answer,
        json!({ "levels": [
            { "variantId": variant, "available": 2 },
            { "variantId": unknown, "available": 0 },
        ] })
    );
}

async fn a_hold_lowers_availability_all_lines_or_none(backend: Backend) {
    let shop = Shop::start(backend).await;
    let [plenty, scarce] = shop.variants("Lamp").await;
    shop.stock_up(plenty, 5).await;
    shop.stock_up(scarce, 1).await;

    let (status, refusal) = shop
        .reserve(Uuid::now_v7(), &[(plenty, 2), (scarce, 3)], hour())
        .await;
    assert_eq!(status, 409);
    assert_eq!(refusal["code"], "OUT_OF_STOCK");
    assert_eq!(refusal["subject"], scarce.to_string());
    assert_eq!(
        (shop.available(plenty).await, shop.available(scarce).await),
        (5, 1),
        "the line that fitted was not held either"
    );

    let order = Uuid::now_v7();
    let (status, _) = shop
        .reserve(order, &[(plenty, 2), (scarce, 1)], hour())
        .await;
    assert_eq!(status, 200);
    assert_eq!(
        shop.stock(&[plenty.to_string(), scarce.to_string()]).await,
        [
            json!({ "available": 3, "inStock": true }),
            json!({ "available": 0, "inStock": false }),
        ]
    );
    assert_eq!(
        shop.totals(plenty).await,
        (5, 2),
        "on hand stays until paid"
    );
    assert_eq!(shop.reservation(order).await, Some(("HELD".into(), None)));
    let (status, refusal) = shop.reserve(Uuid::now_v7(), &[(scarce, 1)], hour()).await;
    assert_eq!(
        (status, refusal["code"].as_str()),
        (409, Some("OUT_OF_STOCK"))
    );
    let never_stocked = Uuid::now_v7();
    let (status, refusal) = shop
        .reserve(Uuid::now_v7(), &[(never_stocked, 1)], hour())
        .await;
    assert_eq!(
        (status, refusal["subject"].as_str()),
        (409, Some(never_stocked.to_string().as_str()))
    );

    assert_eq!(
        shop.assert_ledger_explains(plenty).await,
        ["ADJUSTED", "RESERVED"]
    );
    assert_eq!(
        shop.assert_ledger_explains(scarce).await,
        ["ADJUSTED", "RESERVED"]
    );
    assert_eq!(shop.ledger(plenty).await[1].reference, Some(order));
}

async fn concurrent_holds_never_oversell(backend: Backend) {
    let shop = Shop::start(backend).await;
    let [variant, _] = shop.variants("Kettle").await;
    shop.stock_up(variant, 5).await;

    let one = [(variant, 1)];
    let attempts = (0..30).map(|_| shop.reserve(Uuid::now_v7(), &one, hour()));
    let answers = futures::future::join_all(attempts).await;
    let held = answers.iter().filter(|(status, _)| *status == 200).count();
    let refused = answers
        .iter()
        .filter(|(status, body)| *status == 409 && body["code"] == "OUT_OF_STOCK")
        .count();
    assert_eq!((held, refused), (5, 25), "{answers:?}");
    assert_eq!(shop.available(variant).await, 0);
    assert_eq!(shop.totals(variant).await, (5, 5));
    let kinds = shop.assert_ledger_explains(variant).await;
    assert_eq!(kinds.iter().filter(|k| *k == "RESERVED").count(), 5);
}

async fn a_hold_asked_twice_holds_once(backend: Backend) {
    let shop = Shop::start(backend).await;
    let [variant, _] = shop.variants("Vase").await;
    shop.stock_up(variant, 10).await;
    let order = Uuid::now_v7();

    let (first, _) = shop.reserve(order, &[(variant, 4)], hour()).await;
    let (again, answer) = shop.reserve(order, &[(variant, 4)], hour()).await;
    assert_eq!((first, again), (200, 200));
    assert_eq!(answer, json!({ "reserved": true }));
    assert_eq!(shop.available(variant).await, 6, "held once");

    // Retries racing each other hold once too.
    let racing = Uuid::now_v7();
    let three = [(variant, 3)];
    let retries = (0..8).map(|_| shop.reserve(racing, &three, hour()));
    for (status, body) in futures::future::join_all(retries).await {
        assert_eq!(status, 200, "{body}");
    }
    assert_eq!(shop.available(variant).await, 3);
    assert_eq!(
        shop.assert_ledger_explains(variant).await,
        ["ADJUSTED", "RESERVED", "RESERVED"]
    );
}

async fn releasing_gives_stock_back_once(backend: Backend) {
    let shop = Shop::start(backend).await;
    let [a, b] = shop.variants("Chair").await;
    shop.stock_up(a, 4).await;
    shop.stock_up(b, 4).await;
    let order = Uuid::now_v7();
    shop.reserve(order, &[(b, 1), (a, 3)], hour()).await;
    assert_eq!((shop.available(a).await, shop.available(b).await), (1, 3));

    let (status, answer) = shop.release(order, "customer changed their mind").await;
    assert_eq!((status, answer), (200, json!({ "released": true })));
    assert_eq!((shop.available(a).await, shop.available(b).await), (4, 4));
    assert_eq!(
        shop.reservation(order).await,
        Some((
            "RELEASED".into(),
            Some("customer changed their mind".into())
        ))
    );

    let (_, again) = shop.release(order, "again").await;
    assert_eq!(again, json!({ "released": false }));
    let (_, unknown) = shop.release(Uuid::now_v7(), "never held").await;
    assert_eq!(unknown, json!({ "released": false }));
    assert_eq!(shop.available(a).await, 4, "given back once");

    let (status, refusal) = shop.reserve(order, &[(a, 1)], hour()).await;
    assert_eq!((status, refusal["code"].as_str()), (409, Some("RELEASED")));
    assert_eq!(shop.available(a).await, 4);
    assert_eq!(
        shop.assert_ledger_explains(a).await,
        ["ADJUSTED", "RESERVED", "RELEASED"]
    );
}

async fn bad_holds_are_refused(backend: Backend) {
    let shop = Shop::start(backend).await;
    let [variant, _] = shop.variants("Rug").await;
    shop.stock_up(variant, 50_000).await;
    for lines in [
        vec![(variant, 0)],
        vec![(variant, -1)],
        vec![(variant, 10_001)],
        vec![],
    ] {
        let (status, refusal) = shop.reserve(Uuid::now_v7(), &lines, hour()).await;
        assert_eq!(status, 409, "{lines:?}");
        assert_eq!(refusal["code"], "INVALID_QUANTITY", "{lines:?}");
    }
    let many: Vec<(Uuid, i64)> = (0..501).map(|_| (Uuid::now_v7(), 1)).collect();
    let (status, _) = shop.reserve(Uuid::now_v7(), &many, hour()).await;
    assert_eq!(status, 409);
    let ids: Vec<Uuid> = (0..501).map(|_| Uuid::now_v7()).collect();
    let (status, refusal) = shop
        .internal("availability", json!({ "variantIds": ids }), true)
        .await;
    assert_eq!((status, refusal["code"].as_str()), (409, Some("TOO_MANY")));
    let (status, _) = shop
        .internal("reserve", json!({ "reservationId": "nope" }), true)
        .await;
    assert!(
        (400..500).contains(&status),
        "malformed input is the caller's fault"
    );

    let (status, _) = shop
        .reserve(
            Uuid::now_v7(),
            &[(variant, 10_000)],
            Duration::from_secs(60),
        )
        .await;
    assert_eq!(status, 200, "the most one line may hold");
    assert_eq!(shop.available(variant).await, 40_000);
}
