//! A variant's shipping weight (`weightGrams`): optional, bounded, answered as given, and
//! passed on to the services that price shipping.

use micromall_kit::on_every_backend;
use micromall_kit::testing::{Backend, internal_call};
use serde_json::{Value, json};

use crate::support::{Catalog, shoe};

on_every_backend!(
    a_variant_keeps_the_weight_it_was_given_or_none,
    a_weight_outside_the_bounds_is_refused_on_that_variant,
);

fn weighed(prefix: &str, weights: [Value; 2]) -> Value {
    let mut input = shoe(&format!("Weighed {prefix}"), prefix, None);
    for (variant, grams) in input["variants"]
        .as_array_mut()
        .unwrap()
        .iter_mut()
        .zip(weights)
    {
        variant["weightGrams"] = grams;
    }
    input
}

async fn a_variant_keeps_the_weight_it_was_given_or_none(backend: Backend) {
    let app = Catalog::start(backend).await;
    let created = app
        .create_product(weighed("W1", [json!(850), Value::Null]))
        .await;
    let product = &created["data"]["createProduct"]["product"];
    assert!(product.is_object(), "{created}");

    let read = app
        .gql(
            "query($id: ID!) { product(id: $id) { variants { sku weightGrams } } }",
            json!({ "id": product["id"] }),
            None,
        )
        .await;
    assert_eq!(
        read["data"]["product"]["variants"],
        json!([
            { "sku": "W1-42", "weightGrams": 850 },
            { "sku": "W1-43", "weightGrams": null },
        ]),
        "{read}"
    );

    // Other services learn the weight with the variant's other facts.
    let ids: Vec<&Value> = product["variants"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| &v["id"])
        .collect();
    let (status, facts) = internal_call(
        &app.subgraph.base_url(),
        "variants",
        &json!({ "ids": ids }),
        Some(&app.service_token),
    )
    .await;
    assert_eq!(status, 200, "{facts}");
    let weights: Vec<&Value> = facts["variants"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| &v["weightGrams"])
        .collect();
    assert_eq!(weights, [&json!(850), &Value::Null]);
}

async fn a_weight_outside_the_bounds_is_refused_on_that_variant(backend: Backend) {
    let app = Catalog::start(backend).await;
    for (prefix, weights, bad) in [
        ("W2", [json!(0), json!(-1)], 1),
        ("W3", [json!(1_000_001), json!(1_000_000)], 0),
    ] {
        let body = app.create_product(weighed(prefix, weights)).await;
        let payload = &body["data"]["createProduct"];
        assert_eq!(payload["product"], Value::Null, "{body}");
        assert_eq!(
            payload["userErrors"],
            json!([{
                "field": ["input", "variants", bad.to_string(), "weightGrams"],
                "code": "INVALID_WEIGHT",
                "message": "weightGrams must be between 0 and 1000000",
            }]),
            "{body}"
        );
    }
}
