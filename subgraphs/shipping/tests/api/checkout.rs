//! What checkout charges for delivery: the chosen method's price for the parcel, the
//! cheapest when none is chosen, free above a threshold, and refused where a method does not
//! deliver.

use micromall_kit::testing::Backend;
use serde_json::json;

use crate::support::{Parcels, Shop, codes};

micromall_kit::on_every_backend!(
    the_chosen_method_is_charged_and_sets_the_delivery_estimate,
    a_method_that_does_not_deliver_there_is_refused_and_nothing_is_held,
);

async fn the_chosen_method_is_charged_and_sets_the_delivery_estimate(backend: Backend) {
    let shop = Shop::start(backend, Parcels::Silent).await;
    let home = shop.zone("Home", &["US"]).await;
    let standard = shop
        .method(
            &home,
            json!({ "name": "Standard", "kind": "FREE_ABOVE", "price": "4.99", "freeAbove": "50.00", "minDeliveryDays": 3, "maxDeliveryDays": 5 }),
        )
        .await;
    let express = shop
        .method(
            &home,
            json!({ "name": "Express", "kind": "FLAT", "price": "14.99", "minDeliveryDays": 1, "maxDeliveryDays": 2 }),
        )
        .await;
    let heavy = shop
        .method(
            &home,
            json!({ "name": "Freight", "kind": "WEIGHT_BANDS", "price": "99.00",
                    "weightBands": [{ "upToGrams": 1000, "price": "6.00" }, { "upToGrams": 3000, "price": "9.00" }],
                    "minDeliveryDays": 4, "maxDeliveryDays": 9 }),
        )
        .await;
    let mug = shop.variant("12.50", Some(700)).await;
    let unweighed = shop.variant("25.00", None).await;

    // Express chosen: its price is charged and it promises two days.
    let customer = shop.customer();
    shop.fill_cart(&customer, &[(&mug, 2)]).await;
    let placed = shop.checkout(&customer, "US", Some(&express)).await;
    let order = &placed["order"];
    assert_eq!(codes(&placed), Vec::<String>::new(), "{placed}");
    assert_eq!(order["subtotal"]["amount"], "25.00");
    assert_eq!(order["shippingCost"]["amount"], "14.99");
    assert_eq!(order["total"]["amount"], "39.99");
    let created: chrono::DateTime<chrono::Utc> =
        order["createdAt"].as_str().unwrap().parse().unwrap();
    let estimate: chrono::DateTime<chrono::Utc> = order["estimatedDelivery"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    assert_eq!(estimate - created, chrono::TimeDelta::days(2), "{placed}");

    // By weight: two mugs (1.4 kg) fall in the second band.
    let customer = shop.customer();
    shop.fill_cart(&customer, &[(&mug, 2)]).await;
    let placed = shop.checkout(&customer, "US", Some(&heavy)).await;
    assert_eq!(
        placed["order"]["shippingCost"]["amount"], "9.00",
        "{placed}"
    );

    // Free above the threshold, exactly at it (two unweighed items of 25.00).
    let customer = shop.customer();
    shop.fill_cart(&customer, &[(&unweighed, 2)]).await;
    let placed = shop.checkout(&customer, "US", Some(&standard)).await;
    assert_eq!(
        placed["order"]["shippingCost"]["amount"], "0.00",
        "{placed}"
    );
    assert_eq!(placed["order"]["total"]["amount"], "50.00", "{placed}");

    // None chosen: the cheapest that applies (Standard at 4.99 below the threshold).
    let customer = shop.customer();
    shop.fill_cart(&customer, &[(&unweighed, 1)]).await;
    let placed = shop.checkout(&customer, "US", None).await;
    assert_eq!(
        placed["order"]["shippingCost"]["amount"], "4.99",
        "{placed}"
    );
    assert_eq!(placed["order"]["total"]["amount"], "29.99", "{placed}");
}

async fn a_method_that_does_not_deliver_there_is_refused_and_nothing_is_held(backend: Backend) {
    let shop = Shop::start(backend, Parcels::Silent).await;
    let home = shop.zone("Home", &["US"]).await;
    let europe = shop.zone("Europe", &["DE"]).await;
    shop.method(
        &home,
        json!({ "name": "Standard", "kind": "FLAT", "price": "5", "minDeliveryDays": 3, "maxDeliveryDays": 5 }),
    )
    .await;
    let abroad = shop
        .method(
            &europe,
            json!({ "name": "Abroad", "kind": "FLAT", "price": "20", "minDeliveryDays": 5, "maxDeliveryDays": 9 }),
        )
        .await;
    let lamp = shop.variant("30.00", Some(900)).await;
    let customer = shop.customer();
    shop.fill_cart(&customer, &[(&lamp, 1)]).await;

    for (country, method) in [
        ("US", Some(abroad.as_str())),
        ("JP", None),
        ("US", Some("not-an-id")),
        ("US", Some("0190a0a0-0000-7000-8000-000000000000")),
    ] {
        let refused = shop.checkout(&customer, country, method).await;
        assert_eq!(
            codes(&refused),
            ["SHIPPING_METHOD_UNAVAILABLE"],
            "{country} {method:?}: {refused}"
        );
        assert_eq!(
            refused["userErrors"][0]["field"],
            json!(["input", "shippingMethodId"])
        );
        assert!(refused["order"].is_null());
    }
    // Nothing was held: the whole stock is still there, and the cart still checks out.
    let stock = shop
        .data(
            "inventory",
            "_entities",
            "query($r: [_Any!]!) { _entities(representations: $r) { ... on ProductVariant { stock { available } } } }",
            json!({ "r": [{ "__typename": "ProductVariant", "id": lamp }] }),
            "",
        )
        .await;
    assert_eq!(stock[0]["stock"]["available"], 100, "{stock}");
    let placed = shop.checkout(&customer, "US", None).await;
    assert_eq!(
        placed["order"]["shippingCost"]["amount"], "5.00",
        "{placed}"
    );
}
