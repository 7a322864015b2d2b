//! Zones and methods as staff define them, and what `shippingMethods` offers a shopper.

use micromall_kit::testing::Backend;
use serde_json::{Value, json};

use crate::support::{Parcels, Shop, codes};

micromall_kit::on_every_backend!(
    methods_of_every_kind_are_offered_cheapest_first_for_the_parcel,
    bad_zones_and_methods_are_refused_naming_each_field,
    only_fulfilment_staff_manage_zones,
);

async fn offered(shop: &Shop, country: &str, subtotal: &str, grams: i32) -> Vec<(String, String)> {
    let methods = shop
        .data(
            "shipping",
            "shippingMethods",
            "query($c: String!, $s: Decimal!, $w: Int) { shippingMethods(country: $c, subtotal: $s, weightGrams: $w) { id name price { amount currency } minDeliveryDays maxDeliveryDays } }",
            json!({ "c": country, "s": subtotal, "w": grams }),
            "",
        )
        .await;
    methods
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            (
                m["name"].as_str().unwrap().to_owned(),
                m["price"]["amount"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
    list.iter()
        .map(|(a, b)| ((*a).to_owned(), (*b).to_owned()))
        .collect()
}

async fn methods_of_every_kind_are_offered_cheapest_first_for_the_parcel(backend: Backend) {
    let shop = Shop::start(backend, Parcels::Silent).await;
    let home = shop.zone("Home", &["us", "CA"]).await;
    let europe = shop.zone("Europe", &["DE", "FR"]).await;
    shop.method(
        &home,
        json!({ "name": "Standard", "kind": "FREE_ABOVE", "price": "4.99", "freeAbove": "50", "minDeliveryDays": 3, "maxDeliveryDays": 5 }),
    )
    .await;
    shop.method(
        &home,
        json!({ "name": "Express", "kind": "FLAT", "price": "14.99", "minDeliveryDays": 1, "maxDeliveryDays": 2 }),
    )
    .await;
    let economy = shop
        .method(
            &home,
            json!({ "name": "Economy", "kind": "WEIGHT_BANDS", "price": "29.99",
                    "weightBands": [{ "upToGrams": 1000, "price": "3.99" }, { "upToGrams": 5000, "price": "7.99" }],
                    "minDeliveryDays": 5, "maxDeliveryDays": 8 }),
        )
        .await;
    shop.method(
        &europe,
        json!({ "name": "Abroad", "kind": "FLAT", "price": "19.99", "minDeliveryDays": 5, "maxDeliveryDays": 9 }),
    )
    .await;

    assert_eq!(
        offered(&shop, "US", "20.00", 800).await,
        pairs(&[
            ("Economy", "3.99"),
            ("Standard", "4.99"),
            ("Express", "14.99")
        ])
    );
    // At the threshold delivery is free; a heavier parcel moves up a band, and past every
    // band pays the method's own price.
    assert_eq!(
        offered(&shop, "us", "50.00", 4000).await,
        pairs(&[
            ("Standard", "0.00"),
            ("Economy", "7.99"),
            ("Express", "14.99")
        ])
    );
    assert_eq!(
        offered(&shop, "US", "49.99", 9000).await[2],
        ("Economy".to_owned(), "29.99".to_owned())
    );
    assert_eq!(
        offered(&shop, "DE", "10", 0).await,
        pairs(&[("Abroad", "19.99")])
    );
    assert_eq!(offered(&shop, "JP", "10", 0).await, pairs(&[]));
    assert_eq!(offered(&shop, "not a country", "10", 0).await, pairs(&[]));

    // Switched off, a method is no longer offered; it stays in the admin's list.
    let updated = shop
        .data(
            "shipping",
            "updateShippingMethod",
            "mutation($id: ID!, $i: ShippingMethodInput!) { updateShippingMethod(id: $id, input: $i) { zone { methods { name active } } userErrors { code } } }",
            json!({ "id": economy, "i": {
                "zoneId": home, "name": "Economy", "kind": "WEIGHT_BANDS", "price": "29.99",
                "weightBands": [{ "upToGrams": 1000, "price": "3.99" }],
                "minDeliveryDays": 5, "maxDeliveryDays": 8, "active": false,
            } }),
            &shop.staff,
        )
        .await;
    assert_eq!(updated["userErrors"], json!([]), "{updated}");
    assert_eq!(
        offered(&shop, "US", "20.00", 800).await,
        pairs(&[("Standard", "4.99"), ("Express", "14.99")])
    );
    let zones = shop
        .data(
            "shipping",
            "shippingZones",
            "{ shippingZones { name countries methods { name active } } }",
            json!({}),
            &shop.staff,
        )
        .await;
    assert_eq!(zones[0]["countries"], json!(["US", "CA"]), "{zones}");
    assert_eq!(
        zones[0]["methods"][2],
        json!({ "name": "Economy", "active": false })
    );
}

fn fields(payload: &Value) -> Vec<String> {
    payload["userErrors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            format!(
                "{}@{}",
                e["code"].as_str().unwrap(),
                e["field"]
                    .as_array()
                    .map(|f| f
                        .iter()
                        .map(|p| p.as_str().unwrap())
                        .collect::<Vec<_>>()
                        .join("."))
                    .unwrap_or_default()
            )
        })
        .collect()
}

async fn bad_zones_and_methods_are_refused_naming_each_field(backend: Backend) {
    let shop = Shop::start(backend, Parcels::Silent).await;
    let zone = |name: &str, countries: Value| {
        let shop = &shop;
        let name = name.to_owned();
        async move {
            shop.data(
                "shipping",
                "createShippingZone",
                "mutation($i: ShippingZoneInput!) { createShippingZone(input: $i) { zone { id } userErrors { code field message } } }",
                json!({ "i": { "name": name, "countries": countries } }),
                &shop.staff,
            )
            .await
        }
    };
    let home = shop.zone("Home", &["US"]).await;
    assert_eq!(
        fields(&zone("Elsewhere", json!(["DE", "XX", "USA"])).await),
        [
            "INVALID_COUNTRY@input.countries.1",
            "INVALID_COUNTRY@input.countries.2"
        ]
    );
    assert_eq!(
        fields(&zone("HOME", json!(["DE"])).await),
        ["NAME_TAKEN@input.name"]
    );
    assert_eq!(
        fields(&zone(" ", json!([])).await),
        ["INVALID_NAME@input.name", "INVALID_COUNTRY@input.countries"]
    );
    let huge: Vec<String> = (0..10_000).map(|_| "US".to_owned()).collect();
    assert_eq!(
        fields(&zone("Huge", json!(huge)).await),
        ["INVALID_COUNTRY@input.countries"]
    );

    let refused = shop
        .create_method(
            &home,
            json!({ "name": "Odd", "kind": "WEIGHT_BANDS", "price": "-1",
                    "weightBands": [{ "upToGrams": 500, "price": "1.001" }, { "upToGrams": 400, "price": "2" }],
                    "minDeliveryDays": 4, "maxDeliveryDays": 2 }),
        )
        .await;
    assert_eq!(
        fields(&refused),
        [
            "INVALID_PRICE@input.price",
            "INVALID_PRICE@input.weightBands.0.price",
            "INVALID_RANGE@input.weightBands.1.upToGrams",
            "INVALID_RANGE@input.maxDeliveryDays",
        ]
    );
    let no_threshold = shop
        .create_method(
            &home,
            json!({ "name": "Free", "kind": "FREE_ABOVE", "price": "5", "minDeliveryDays": 1, "maxDeliveryDays": 2 }),
        )
        .await;
    assert_eq!(fields(&no_threshold), ["INVALID_PRICE@input.freeAbove"]);
    let nowhere = shop
        .create_method(
            "0190a0a0-0000-7000-8000-000000000000",
            json!({ "name": "Lost", "kind": "FLAT", "price": "5", "minDeliveryDays": 1, "maxDeliveryDays": 2 }),
        )
        .await;
    assert_eq!(fields(&nowhere), ["NOT_FOUND@input.zoneId"]);
    shop.method(
        &home,
        json!({ "name": "Express", "kind": "FLAT", "price": "9", "minDeliveryDays": 1, "maxDeliveryDays": 2 }),
    )
    .await;
    let again = shop
        .create_method(
            &home,
            json!({ "name": "express", "kind": "FLAT", "price": "9", "minDeliveryDays": 1, "maxDeliveryDays": 2 }),
        )
        .await;
    assert_eq!(fields(&again), ["NAME_TAKEN@input.name"]);
}

async fn only_fulfilment_staff_manage_zones(backend: Backend) {
    let shop = Shop::start(backend, Parcels::Silent).await;
    let customer = shop.customer();
    let made = shop
        .gql(
            "shipping",
            "mutation { createShippingZone(input: {name: \"Mine\", countries: [\"US\"]}) { zone { id } } }",
            json!({}),
            &customer.token,
        )
        .await;
    assert_eq!(
        micromall_kit::testing::error_code(&made),
        "FORBIDDEN",
        "{made}"
    );
    let listed = shop
        .gql(
            "shipping",
            "{ shippingZones { id } }",
            json!({}),
            &customer.token,
        )
        .await;
    assert_eq!(
        micromall_kit::testing::error_code(&listed),
        "FORBIDDEN",
        "{listed}"
    );
    assert!(codes(&shop.data("shipping", "createShippingZone", "mutation { createShippingZone(input: {name: \"Ok\", countries: [\"US\"]}) { userErrors { code } } }", json!({}), &shop.staff).await).is_empty());
}
