use std::time::Duration;

use micromall_kit::testing::{Backend, EventRecorder};
use serde_json::json;

use crate::support::{Catalog, shoe};
use micromall_kit::on_every_backend;

on_every_backend!(
    entities_batch_one_query_per_type,
    product_changes_are_announced_through_the_outbox,
    every_product_can_be_announced_again_for_a_rebuild,
);

async fn entities_batch_one_query_per_type(backend: Backend) {
    let app = Catalog::start(backend).await;
    let mut products = Vec::new();
    let mut variants = Vec::new();
    for n in 0..30 {
        let body = app
            .create_product(shoe(&format!("Batch {n}"), &format!("B{n}"), None))
            .await;
        let p = &body["data"]["createProduct"]["product"];
        products.push(p["id"].as_str().unwrap().to_owned());
        variants.push(p["variants"][0]["id"].as_str().unwrap().to_owned());
    }
    let mut representations: Vec<_> = products
        .iter()
        .map(|id| json!({ "__typename": "Product", "id": id }))
        .collect();
    representations.extend(
        variants
            .iter()
            .map(|id| json!({ "__typename": "ProductVariant", "id": id })),
    );

    let log = &app.subgraph.running().runtime.queries;
    log.start();
    let body = app
        .gql(
            "query($r: [_Any!]!) { _entities(representations: $r) { ... on Product { name tags variants { sku } } ... on ProductVariant { sku product { name } } } }",
            json!({ "r": representations }),
            None,
        )
        .await;
    let statements = log.stop();
    let entities = body["data"]["_entities"].as_array().expect("entities");
    assert_eq!(entities.len(), 60);
    assert_eq!(entities[0]["variants"].as_array().unwrap().len(), 2);
    assert_eq!(entities[30]["product"]["name"], "Batch 0");
    // Loads are batched per type, never one query per entity (30 of each here). A batch may
    // split when loads arrive a moment apart on a busy machine, hence a small bound, not 1.
    let count = |table: &str| {
        statements
            .iter()
            .filter(|s| s.contains(&format!("FROM \"{table}\"")))
            .count()
    };
    for table in ["products", "variants", "product_tags"] {
        assert!(
            (1..=5).contains(&count(table)),
            "{table} queried {} times: {statements:#?}",
            count(table)
        );
    }
}

async fn product_changes_are_announced_through_the_outbox(backend: Backend) {
    let app = Catalog::start(backend).await;
    let mut rx = EventRecorder::subscribe(&app.subgraph, &["catalog.product.*"]).await;
    let shoes = app.create_category("Shoes", None).await;
    let trail = app.create_category("Trail", Some(&shoes)).await;
    let body = app
        .create_product(shoe("Announced", "ANN", Some(&trail)))
        .await;
    let id = body["data"]["createProduct"]["product"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let event = tokio::time::timeout(Duration::from_secs(5), rx.recv())
        .await
        .expect("event")
        .unwrap();
    assert_eq!(event.subject, micromall_catalog::PRODUCT_CHANGED);
    assert_eq!(event.payload["id"], id);
    assert_eq!(event.payload["minPrice"], "79.50");
    assert_eq!(event.payload["categoryPath"][0]["name"], "Trail");
    assert_eq!(event.payload["categoryPath"][1]["name"], "Shoes");

    app.gql(
        "mutation($id: ID!) { archiveProduct(id: $id) { product { id } } }",
        json!({ "id": id }),
        Some(&app.admin),
    )
    .await;
    let archived = tokio::time::timeout(Duration::from_secs(5), rx.recv())
        .await
        .expect("event")
        .unwrap();
    assert_eq!(archived.subject, micromall_catalog::PRODUCT_ARCHIVED);
}

async fn every_product_can_be_announced_again_for_a_rebuild(backend: Backend) {
    let app = Catalog::start(backend).await;
    let mut ids = Vec::new();
    for n in 0..3 {
        let body = app
            .create_product(shoe(&format!("Again {n}"), &format!("AG{n}"), None))
            .await;
        ids.push(
            body["data"]["createProduct"]["product"]["id"]
                .as_str()
                .unwrap()
                .to_owned(),
        );
    }
    app.gql(
        "mutation($id: ID!) { archiveProduct(id: $id) { product { id } } }",
        json!({ "id": ids[0] }),
        Some(&app.admin),
    )
    .await;

    // Let the events of the set-up go out first, so only the re-announcements are recorded.
    let runtime = &app.subgraph.running().runtime;
    tokio::time::timeout(Duration::from_secs(10), async {
        while micromall_kit::events::outbox::pending_count(&runtime.db)
            .await
            .unwrap()
            > 0
        {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    })
    .await
    .expect("set-up events published");
    let mut rx = EventRecorder::subscribe(&app.subgraph, &["catalog.product.*"]).await;
    let catalog = micromall_catalog::service::Catalog::open(runtime);
    assert_eq!(catalog.announce_all().await.expect("announced"), 3);
    let mut seen = Vec::new();
    while seen.len() < 3 {
        let event = tokio::time::timeout(Duration::from_secs(5), rx.recv())
            .await
            .expect("event")
            .unwrap();
        seen.push((
            event.subject,
            event.payload["id"].as_str().unwrap().to_owned(),
        ));
    }
    seen.sort();
    assert_eq!(
        seen[0],
        (
            micromall_catalog::PRODUCT_ARCHIVED.to_owned(),
            ids[0].clone()
        )
    );
    assert!(
        seen[1..]
            .iter()
            .all(|(subject, _)| subject == micromall_catalog::PRODUCT_CHANGED)
    );
}
