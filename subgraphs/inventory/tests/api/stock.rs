use micromall_kit::on_every_backend;
use micromall_kit::testing::Backend;
use serde_json::json;
use uuid::Uuid;

use crate::support::{Shop, codes, error_code};

on_every_backend!(
    stock_counts_show_on_variants,
    stock_counts_are_checked,
    only_stock_keepers_count_stock,
    an_unreachable_catalog_is_an_internal_error,
    concurrent_counts_keep_totals_and_ledger_straight,
    stock_of_many_variants_is_one_query,
);

async fn stock_counts_show_on_variants(backend: Backend) {
    let shop = Shop::start(backend).await;
    let [small, large] = shop.variants("Tee").await;

    let payload = shop.set_stock(&small.to_string(), 7).await;
    assert_eq!(payload["userErrors"], json!([]), "{payload}");
    assert_eq!(
        payload["variant"],
        json!({ "id": small.to_string(), "stock": { "available": 7, "inStock": true } })
    );

    let stock = shop.stock(&[small.to_string(), large.to_string()]).await;
    assert_eq!(
        stock,
        [
            json!({ "available": 7, "inStock": true }),
            json!({ "available": 0, "inStock": false }),
        ],
        "a variant never stocked has none"
    );

    let emptied = shop.set_stock(&small.to_string(), 0).await;
    assert_eq!(
        emptied["variant"]["stock"],
        json!({ "available": 0, "inStock": false })
    );
    assert_eq!(
        shop.set_stock(&small.to_string(), 3).await["variant"]["stock"]["available"],
        3
    );

    let malformed = shop
        .gql(
            "query($r: [_Any!]!) { _entities(representations: $r) { ... on ProductVariant { stock { available } } } }",
            json!({ "r": [{ "__typename": "ProductVariant", "id": "not-a-uuid" }] }),
            None,
        )
        .await;
    assert_eq!(malformed["data"]["_entities"], json!([null]), "{malformed}");

    assert_eq!(
        shop.assert_ledger_explains(small).await,
        ["ADJUSTED", "ADJUSTED", "ADJUSTED"]
    );
    let deltas: Vec<i64> = shop
        .ledger(small)
        .await
        .iter()
        .map(|m| m.quantity)
        .collect();
    assert_eq!(deltas, [7, -7, 3]);
}

async fn stock_counts_are_checked(backend: Backend) {
    let shop = Shop::start(backend).await;
    let [variant, _] = shop.variants("Cap").await;

    for quantity in [-1, 1_000_001] {
        let payload = shop.set_stock(&variant.to_string(), quantity).await;
        assert_eq!(payload["variant"], json!(null), "{payload}");
        assert_eq!(codes(&payload), ["INVALID_QUANTITY"], "{quantity}");
        assert_eq!(payload["userErrors"][0]["field"], json!(["quantity"]));
    }
    let most = shop.set_stock(&variant.to_string(), 1_000_000).await;
    assert_eq!(most["variant"]["stock"]["available"], 1_000_000);

    let unknown = Uuid::now_v7().to_string();
    for id in [unknown.as_str(), "not-a-uuid"] {
        let payload = shop.set_stock(id, 5).await;
        assert_eq!(payload["variant"], json!(null), "{payload}");
        assert_eq!(codes(&payload), ["NOT_FOUND"], "{id}");
        assert_eq!(payload["userErrors"][0]["field"], json!(["variantId"]));
    }
    assert_eq!(
        shop.stock(&[unknown]).await[0]["available"],
        0,
        "nothing was stocked for an unknown variant"
    );
    assert_eq!(shop.available(variant).await, 1_000_000);
}

async fn only_stock_keepers_count_stock(backend: Backend) {
    let shop = Shop::start(backend).await;
    let [variant, _] = shop.variants("Scarf").await;
    let mutation = "mutation($v: ID!) { setStock(variantId: $v, quantity: 9) { variant { id } } }";
    let vars = json!({ "v": variant.to_string() });

    let as_customer = shop.gql(mutation, vars.clone(), Some(&shop.customer)).await;
    assert_eq!(error_code(&as_customer), "FORBIDDEN", "{as_customer}");
    let anonymous = shop.gql(mutation, vars.clone(), None).await;
    assert_eq!(error_code(&anonymous), "UNAUTHENTICATED", "{anonymous}");

    // Catalog's scope is not inventory's.
    let merchandiser = shop.token(&["catalog:write"]);
    let as_merchandiser = shop.gql(mutation, vars, Some(&merchandiser)).await;
    assert_eq!(error_code(&as_merchandiser), "FORBIDDEN");

    assert_eq!(shop.available(variant).await, 0, "nothing was counted");
    assert!(shop.ledger(variant).await.is_empty());
}

async fn an_unreachable_catalog_is_an_internal_error(backend: Backend) {
    // Nothing listens on port 9 of the loopback interface.
    let shop = Shop::start_with(backend, Some("http://127.0.0.1:9")).await;
    let [variant, _] = shop.variants("Glove").await;
    let body = shop
        .gql(
            "mutation($v: ID!) { setStock(variantId: $v, quantity: 4) { variant { id } userErrors { code } } }",
            json!({ "v": variant.to_string() }),
            Some(&shop.admin),
        )
        .await;
    assert_eq!(error_code(&body), "INTERNAL", "{body}");
    assert!(
        !body.to_string().contains("127.0.0.1"),
        "no internal detail leaks: {body}"
    );
    assert_eq!(shop.available(variant).await, 0);
}

async fn concurrent_counts_keep_totals_and_ledger_straight(backend: Backend) {
    let shop = Shop::start(backend).await;
    let [variant, _] = shop.variants("Sock").await;
    let id = variant.to_string();
    let counts = (1..=12).map(|n| shop.set_stock(&id, n * 10));
    for payload in futures::future::join_all(counts).await {
        assert_eq!(payload["userErrors"], json!([]), "{payload}");
    }
    let ledger = shop.ledger(variant).await;
    assert_eq!(ledger.len(), 12);
    let last = ledger.last().unwrap().on_hand_after;
    assert!((10..=120).contains(&last) && last % 10 == 0, "{last}");
    assert_eq!(
        shop.totals(variant).await,
        (last, 0),
        "one count won, whole"
    );
    assert_eq!(shop.available(variant).await, last);
    shop.assert_ledger_explains(variant).await;
}

async fn stock_of_many_variants_is_one_query(backend: Backend) {
    let shop = Shop::start(backend).await;
    let [a, b] = shop.variants("Batch").await;
    shop.stock_up(a, 2).await;
    shop.stock_up(b, 5).await;
    let mut ids = vec![a.to_string(), b.to_string()];
    ids.extend((0..98).map(|_| Uuid::now_v7().to_string()));

    let log = &shop.inventory.running().runtime.queries;
    log.start();
    let stock = shop.stock(&ids).await;
    let statements = log.stop();

    assert_eq!(stock.len(), 100);
    assert_eq!(stock[0], json!({ "available": 2, "inStock": true }));
    assert_eq!(stock[1], json!({ "available": 5, "inStock": true }));
    assert!(stock[2..].iter().all(|s| s["available"] == 0));
    let reads = statements
        .iter()
        .filter(|s| s.contains("FROM \"variant_stock\""))
        .count();
    assert_eq!(reads, 1, "{statements:#?}");
}
