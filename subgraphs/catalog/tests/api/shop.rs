use micromall_kit::testing::Backend;
use serde_json::json;

use crate::support::{Catalog, shoe};
use micromall_kit::on_every_backend;

on_every_backend!(
    products_filter_by_category_tree_and_tag_and_page_by_keyset,
    a_direct_caller_fanning_out_pages_is_refused_by_the_subgraphs_own_limit,
);

async fn products_filter_by_category_tree_and_tag_and_page_by_keyset(backend: Backend) {
    let app = Catalog::start(backend).await;
    let shoes = app.create_category("Shoes", None).await;
    let trail = app.create_category("Trail", Some(&shoes)).await;
    let hats = app.create_category("Hats", None).await;
    for (n, category) in [(1, &trail), (2, &trail), (3, &shoes), (4, &hats)] {
        let mut input = shoe(&format!("Item {n}"), &format!("I{n}"), Some(category));
        if n == 4 {
            input["tags"] = json!(["winter"]);
        }
        app.create_product(input).await;
    }
    let query = "query($f: ProductFilter, $first: Int, $after: String) { products(filter: $f, first: $first, after: $after) { totalCount nodes { name } pageInfo { hasNextPage endCursor } } }";
    let in_shoes = app
        .gql(query, json!({ "f": { "categoryId": shoes } }), None)
        .await;
    assert_eq!(
        in_shoes["data"]["products"]["totalCount"], 3,
        "subcategories count: {in_shoes}"
    );
    let winter = app
        .gql(query, json!({ "f": { "tag": "Winter" } }), None)
        .await;
    assert_eq!(
        winter["data"]["products"]["nodes"],
        json!([{ "name": "Item 4" }])
    );

    let first = app.gql(query, json!({ "first": 3 }), None).await;
    assert_eq!(
        first["data"]["products"]["nodes"],
        json!([{ "name": "Item 1" }, { "name": "Item 2" }, { "name": "Item 3" }])
    );
    let after = first["data"]["products"]["pageInfo"]["endCursor"]
        .as_str()
        .unwrap();
    let second = app
        .gql(query, json!({ "first": 3, "after": after }), None)
        .await;
    assert_eq!(
        second["data"]["products"]["nodes"],
        json!([{ "name": "Item 4" }])
    );
    assert_eq!(second["data"]["products"]["pageInfo"]["hasNextPage"], false);

    let by_category = app
        .gql(
            "query($id: ID!) { product(id: $id) { id } } ",
            json!({ "id": trail }),
            None,
        )
        .await;
    assert_eq!(
        by_category["data"]["product"],
        json!(null),
        "a category id is not a product"
    );
    // A list of categories with their first products costs two product queries per nesting
    // level (first products, totals), however many categories the level lists.
    let log = &app.subgraph.running().runtime.queries;
    log.start();
    let nested = app.gql("{ categories { name products(first: 1) { totalCount nodes { name } } children { products(first: 2) { totalCount } } } }", json!({}), None).await;
    let statements = log.stop();
    let product_queries = statements
        .iter()
        .filter(|s| s.contains("FROM products") || s.contains("FROM \"products\""))
        .count();
    assert!(
        product_queries <= 4,
        "{product_queries} product queries: {statements:#?}"
    );
    assert_eq!(
        nested["data"]["categories"],
        json!([
            { "name": "Hats", "products": { "totalCount": 1, "nodes": [{ "name": "Item 4" }] }, "children": [] },
            { "name": "Shoes", "products": { "totalCount": 3, "nodes": [{ "name": "Item 1" }] }, "children": [{ "products": { "totalCount": 2 } }] },
        ])
    );
}

/// Whoever reaches the subgraph without the router meets its own complexity limit, which
/// counts a page's fields once per item asked for: three nested pages of a hundred are a
/// million fields and refused before anything is read; a page of twenty is served.
async fn a_direct_caller_fanning_out_pages_is_refused_by_the_subgraphs_own_limit(backend: Backend) {
    let catalog = Catalog::start(backend).await;
    let nested = "{ products(first: 100) { nodes { category { products(first: 100) { nodes { category { products(first: 100) { nodes { id name } } } } } } } } }";
    let refused = catalog.gql(nested, json!({}), None).await;
    let message = refused["errors"][0]["message"].as_str().unwrap_or_default();
    assert!(message.contains("complex"), "{refused}");
    assert!(refused["data"].is_null(), "{refused}");
    let page = catalog
        .gql(
            "{ products(first: 20) { nodes { id name category { name } variants { sku } } } }",
            json!({}),
            None,
        )
        .await;
    assert!(page.get("errors").is_none(), "{page}");
}
