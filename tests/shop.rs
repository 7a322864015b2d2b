//! The shop journey of issue 4 through the router: an admin builds the catalog, a customer
//! cannot, shoppers find products fast and forgivingly, archiving hides them again.

mod common;

use std::time::{Duration, Instant};

use common::{code, gql, login, start_with};
use serde_json::{Value, json};

const ADMIN: &str = "shopkeeper@example.com";
const PASSWORD: &str = "shopkeeper password";

const SEARCH: &str =
    "query($q: String, $f: SearchFilter, $s: SearchSort, $first: Int, $after: String) {
  searchProducts(query: $q, filter: $f, sort: $s, first: $first, after: $after) {
    totalCount nodes { id name slug price { amount } } pageInfo { hasNextPage endCursor }
    facets { field values { value count } }
  }
}";

async fn search(base: &str, variables: Value) -> Value {
    let body = gql(base, SEARCH, variables, None).await;
    assert!(body.get("errors").is_none(), "{body}");
    body["data"]["searchProducts"].clone()
}

/// Polls until `check` holds for the search result: changes reach the index asynchronously.
async fn eventually(
    base: &str,
    variables: Value,
    check: impl Fn(&Value) -> bool,
) -> (Value, Duration) {
    eventually_within(base, variables, check, Duration::from_secs(10)).await
}

async fn eventually_within(
    base: &str,
    variables: Value,
    check: impl Fn(&Value) -> bool,
    limit: Duration,
) -> (Value, Duration) {
    let started = Instant::now();
    loop {
        let result = search(base, variables.clone()).await;
        if check(&result) {
            return (result, started.elapsed());
        }
        assert!(
            started.elapsed() < limit,
            "search never caught up: {result}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

fn names(result: &Value) -> Vec<String> {
    result["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["name"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn admins_build_the_catalog_and_shoppers_find_it() {
    let stack = start_with(&[
        ("MICROMALL_ADMIN_EMAIL", ADMIN),
        ("MICROMALL_ADMIN_PASSWORD", PASSWORD),
    ])
    .await;
    let base = stack.base.clone();
    // The promise is a second in steady state: let start-up indexing of the demo shop (which
    // takes seconds in a debug build, beside every other domain seeding its own demo data)
    // finish before timing anything.
    eventually_within(
        &base,
        json!({}),
        |r| r["totalCount"] == 1200,
        Duration::from_secs(120),
    )
    .await;
    let admin = login(&base, ADMIN, PASSWORD).await;
    gql(
        &base,
        "mutation { register(input: { email: \"shopper@example.com\", password: \"shopkeeper password\", name: \"Shopper\" }) { user { id } } }",
        json!({}),
        None,
    )
    .await;
    let customer = login(&base, "shopper@example.com", PASSWORD).await;

    let category = gql(&base, "mutation { createCategory(input: { name: \"Kayaks\" }) { category { id } userErrors { code } } }", json!({}), Some(&admin)).await;
    let category_id = category["data"]["createCategory"]["category"]["id"]
        .as_str()
        .expect("category")
        .to_owned();
    let create = "mutation($i: CreateProductInput!) { createProduct(input: $i) { product { id slug } userErrors { code } } }";
    let input = |name: &str, sku: &str, price: &str| {
        json!({ "i": {
            "name": name, "description": "A stable sea kayak for long trips.", "categoryId": category_id, "tags": ["paddling"],
            "variants": [
                { "sku": format!("{sku}-R"), "name": "Red", "price": price, "attributes": [{ "name": "Color", "value": "Red" }] },
                { "sku": format!("{sku}-Y"), "name": "Yellow", "price": "999.00" },
            ],
        } })
    };
    let forbidden = gql(
        &base,
        create,
        input("Nope", "NOPE", "10.00"),
        Some(&customer),
    )
    .await;
    assert_eq!(code(&forbidden), "FORBIDDEN", "{forbidden}");
    let created = gql(
        &base,
        create,
        input("Expedition Kayak", "KAYAK", "749.00"),
        Some(&admin),
    )
    .await;
    let product_id = created["data"]["createProduct"]["product"]["id"]
        .as_str()
        .expect("created")
        .to_owned();
    assert_eq!(
        created["data"]["createProduct"]["product"]["slug"],
        "expedition-kayak"
    );
    let duplicate = gql(
        &base,
        create,
        input("Other Kayak", "KAYAK", "10.00"),
        Some(&admin),
    )
    .await;
    assert_eq!(
        duplicate["data"]["createProduct"]["userErrors"][0]["code"],
        "SKU_TAKEN"
    );
    let free = gql(
        &base,
        create,
        input("Free Kayak", "FREE", "0"),
        Some(&admin),
    )
    .await;
    assert_eq!(
        free["data"]["createProduct"]["userErrors"][0]["code"],
        "INVALID_PRICE"
    );

    let shown = gql(
        &base,
        "{ product(slug: \"expedition-kayak\") { name price { amount } category { name } variants { sku attributes { name value } } } }",
        json!({}),
        None,
    )
    .await;
    assert_eq!(shown["data"]["product"]["category"]["name"], "Kayaks");
    assert_eq!(shown["data"]["product"]["price"]["amount"], "749.00");
    assert_eq!(
        shown["data"]["product"]["variants"]
            .as_array()
            .unwrap()
            .len(),
        2
    );

    // Exact, misspelled and prefix searches find it within a second, completed from catalog.
    for text in ["expedition kayak", "expedtion kayak", "expedi"] {
        let (found, after) = eventually(&base, json!({ "q": text }), |r| {
            names(r).first().is_some_and(|n| n == "Expedition Kayak")
        })
        .await;
        assert!(after < Duration::from_secs(1), "{text}: {after:?}");
        assert_eq!(found["nodes"][0]["id"], product_id.as_str());
        assert_eq!(found["nodes"][0]["price"]["amount"], "749.00");
    }

    // Filters, facets, sorts and pages, over the demo shop plus the kayak.
    let in_category = search(&base, json!({ "f": { "categoryIds": [category_id] } })).await;
    assert_eq!(names(&in_category), ["Expedition Kayak"]);
    let pricey = search(
        &base,
        json!({ "f": { "minPrice": "700", "maxPrice": "800" }, "s": "PRICE_ASC", "first": 100 }),
    )
    .await;
    assert!(names(&pricey).contains(&"Expedition Kayak".to_owned()));
    let tagged = search(&base, json!({ "f": { "tags": ["paddling"] } })).await;
    assert_eq!(tagged["totalCount"], 1);
    let all = search(&base, json!({ "s": "PRICE_ASC", "first": 5 })).await;
    assert!(
        all["totalCount"].as_i64().unwrap() > 1000,
        "the demo shop is indexed"
    );
    let prices: Vec<f64> = all["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["price"]["amount"].as_str().unwrap().parse().unwrap())
        .collect();
    assert!(prices.windows(2).all(|w| w[0] <= w[1]), "{prices:?}");
    let desc = search(&base, json!({ "s": "PRICE_DESC", "first": 3 })).await;
    let top: Vec<f64> = desc["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["price"]["amount"].as_str().unwrap().parse().unwrap())
        .collect();
    assert!(
        top.windows(2).all(|w| w[0] >= w[1]) && top[0] >= prices[0],
        "{top:?}"
    );
    for sort in ["NEWEST", "RATING", "RELEVANCE"] {
        let sorted = search(&base, json!({ "q": "jacket", "s": sort, "first": 3 })).await;
        assert_eq!(sorted["nodes"].as_array().unwrap().len(), 3, "{sort}");
    }
    let newest = search(&base, json!({ "s": "NEWEST", "first": 1 })).await;
    assert_eq!(
        names(&newest),
        ["Expedition Kayak"],
        "the newest product first"
    );
    let facets = &all["facets"];
    for field in ["category", "tag", "price"] {
        let values = facets
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["field"] == field)
            .unwrap()["values"]
            .as_array()
            .unwrap()
            .clone();
        assert!(!values.is_empty(), "{field} facet");
    }
    let first = search(&base, json!({ "q": "jacket", "first": 2 })).await;
    assert_eq!(first["pageInfo"]["hasNextPage"], true);
    let second = search(
        &base,
        json!({ "q": "jacket", "first": 2, "after": first["pageInfo"]["endCursor"] }),
    )
    .await;
    assert!(
        names(&second).iter().all(|n| !names(&first).contains(n)),
        "pages do not overlap"
    );

    // Archiving removes it from search and the shop.
    gql(
        &base,
        "mutation($id: ID!) { archiveProduct(id: $id) { product { id } } }",
        json!({ "id": product_id }),
        Some(&admin),
    )
    .await;
    eventually(&base, json!({ "q": "expedition kayak" }), |r| {
        !names(r).contains(&"Expedition Kayak".to_owned())
    })
    .await;
    let gone = gql(
        &base,
        "{ product(slug: \"expedition-kayak\") { id } }",
        json!({}),
        None,
    )
    .await;
    assert_eq!(gone["data"]["product"], Value::Null);
}
