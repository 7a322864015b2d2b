//! Reviews next to catalog and search on one bus, as the all-in-one runs them: a review
//! reaches search's `RATING` order and `minRating` filter within a second.

use std::time::{Duration, Instant};

use micromall_kit::contracts::shipping::{DELIVERED, ShipmentEvent, ShippedLine};
use micromall_kit::events::Event;
use micromall_kit::on_every_backend;
use micromall_kit::testing::{Backend, TestStack, eventually};
use serde_json::{Value, json};
use uuid::Uuid;

on_every_backend!(a_review_reaches_search_within_a_second);

const SEARCH: &str = "query($f: SearchFilter, $s: SearchSort) { searchProducts(filter: $f, sort: $s) { nodes { id } } }";

async fn found(stack: &TestStack, filter: Value, sort: &str) -> Vec<String> {
    let body = stack
        .client("search")
        .gql(SEARCH, json!({ "f": filter, "s": sort }), None)
        .await;
    assert!(body.get("errors").is_none(), "{body}");
    body["data"]["searchProducts"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["id"].as_str().unwrap().to_owned())
        .collect()
}

async fn a_review_reaches_search_within_a_second(backend: Backend) {
    let stack = TestStack::start(
        backend,
        &[
            &micromall_catalog::SUBGRAPH,
            &micromall_search::SUBGRAPH,
            &micromall_reviews::SUBGRAPH,
        ],
        |_| {},
    )
    .await;
    let admin = stack.token(&["catalog:write"]);
    let mut products = Vec::new();
    for name in ["Lantern", "Kettle", "Stove"] {
        let body = stack
            .client("catalog")
            .gql(
                "mutation($i: CreateProductInput!) { createProduct(input: $i) { product { id } } }",
                json!({ "i": { "name": name, "description": "Camp kit.", "variants": [
                    { "sku": format!("{name}-1"), "name": "One", "price": "20.00" } ] } }),
                Some(&admin),
            )
            .await;
        products.push(
            body["data"]["createProduct"]["product"]["id"]
                .as_str()
                .unwrap_or_else(|| panic!("{body}"))
                .to_owned(),
        );
    }
    assert!(
        eventually(Duration::from_secs(10), || async {
            found(&stack, json!({}), "NEWEST").await.len() == 3
        })
        .await,
        "search never indexed the products"
    );

    let (customer, token) = stack.new_user(&[]);
    let shipment = ShipmentEvent {
        shipment_id: Uuid::now_v7(),
        order_id: Uuid::now_v7(),
        customer_id: customer,
        lines: products
            .iter()
            .map(|p| ShippedLine {
                order_line_id: Uuid::now_v7(),
                variant_id: Uuid::now_v7(),
                product_id: p.parse().unwrap(),
                sku: "X".into(),
                quantity: 1,
            })
            .collect(),
        order_complete: true,
    };
    stack
        .platform
        .bus
        .publish(&Event {
            id: Uuid::now_v7(),
            subject: DELIVERED.into(),
            occurred_at: chrono::Utc::now(),
            payload: serde_json::to_value(&shipment).unwrap(),
        })
        .await
        .unwrap();

    // The kettle gets 2 stars, the stove 5; the lantern none.
    for (product, rating) in [(&products[1], 2), (&products[2], 5)] {
        let body = stack
            .client("reviews")
            .gql(
                "mutation($i: SubmitReviewInput!) { submitReview(input: $i) { userErrors { code } } }",
                json!({ "i": { "productId": product, "rating": rating, "title": "Used it", "body": "On a trip." } }),
                Some(&token),
            )
            .await;
        assert_eq!(
            body["data"]["submitReview"]["userErrors"],
            json!([]),
            "{body}"
        );
        // The review is made: from now on, how long until search finds it by its rating.
        let made = Instant::now();
        let at_least = json!({ "minRating": f64::from(rating) });
        while !found(&stack, at_least.clone(), "RATING")
            .await
            .contains(product)
        {
            assert!(made.elapsed() < Duration::from_secs(10), "never searchable");
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        let after = made.elapsed();
        assert!(after < Duration::from_secs(1), "searchable after {after:?}");
    }
    assert_eq!(
        found(&stack, json!({}), "RATING").await,
        [
            products[2].clone(),
            products[1].clone(),
            products[0].clone()
        ],
        "best rated first, unrated last"
    );
    assert_eq!(
        found(&stack, json!({ "minRating": 3 }), "RATING").await,
        [products[2].clone()]
    );
}
