//! Generated requests straight at the catalog subgraph, as a caller that bypassed the router
//! would send them: arbitrary bytes, arbitrary text as a query, documents made of the
//! catalog's own fields with arguments of every size, and `_entities` with representations of
//! any shape. Every one gets a GraphQL answer with a client status; the subgraph never fails
//! with a 5xx and keeps serving. (Fuzzed for longer by `fuzz/`, see docs/security.md.)

use micromall_kit::testing::Backend;
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use serde_json::{Value, json};

use crate::support::Catalog;

const FIELDS: [&str; 14] = [
    "products(first: 100) { nodes { id name variants { sku price { amount } } category { name } } }",
    "products(first: 1000) { totalCount edges { cursor node { slug tags } } pageInfo { hasNextPage } }",
    "products(first: -5) { totalCount }",
    "products(after: \"bm90IGEgY3Vyc29y\") { totalCount }",
    "categories { id children { id children { id children { slug } } } products(first: 50) { totalCount } }",
    "product(slug: \"x\") { id }",
    "product(id: \"not-a-uuid\") { id }",
    "product(id: \"01\", slug: \"y\") { name }",
    "_service { sdl }",
    "__typename",
    "__schema { types { name } }",
    "nonsense",
    "products { nodes { name } } products { nodes { name } }",
    "a: products(first: 2) { totalCount } b: products(first: 3) { totalCount }",
];

fn query() -> impl Strategy<Value = String> {
    prop_oneof![
        "\\PC{0,256}",
        prop::collection::vec(prop::sample::select(&FIELDS[..]), 1..4)
            .prop_map(|fields| format!("{{ {} }}", fields.join(" "))),
        (1..40usize).prop_map(|depth| format!(
            "{{ categories {}{} }}",
            "{ children ".repeat(depth),
            "}".repeat(depth)
        )),
    ]
}

fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        "\\PC{0,16}".prop_map(Value::from),
        prop::sample::select(&["Product", "Category", "ProductVariant", "Nope"][..])
            .prop_map(Value::from),
    ];
    leaf.prop_recursive(4, 32, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::from),
            prop::collection::btree_map(
                prop::sample::select(&["__typename", "id", "slug", "x"][..])
                    .prop_map(str::to_owned),
                inner,
                0..4
            )
            .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

fn body() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        prop::collection::vec(any::<u8>(), 0..1024),
        (query(), json_value())
            .prop_map(|(q, v)| json!({ "query": q, "variables": v }).to_string().into_bytes()),
        json_value().prop_map(|r| json!({
            "query": "query($r: [_Any!]!) { _entities(representations: $r) { ... on Product { name } ... on Category { slug } } }",
            "variables": { "r": r },
        })
        .to_string()
        .into_bytes()),
    ]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn any_request_gets_a_graphql_answer_and_no_server_error() {
    let catalog = Catalog::start(Backend::Sqlite).await;
    let url = catalog.subgraph.url();
    let http = reqwest::Client::new();
    let handle = tokio::runtime::Handle::current();
    tokio::task::spawn_blocking(move || {
        let mut runner = TestRunner::new(Config::with_cases(256));
        runner
            .run(&body(), |body| {
                let (status, answer) = handle.block_on(async {
                    let response = http
                        .post(&url)
                        .header("content-type", "application/json")
                        .body(body)
                        .send()
                        .await
                        .expect("the subgraph answers");
                    let status = response.status().as_u16();
                    (status, response.json::<Value>().await)
                });
                prop_assert!(status < 500, "HTTP {status}");
                let answer = answer.map_err(|e| TestCaseError::fail(e.to_string()))?;
                prop_assert!(
                    answer.get("data").is_some() || answer["errors"].is_array(),
                    "{answer}"
                );
                Ok(())
            })
            .expect("every generated request is answered");
    })
    .await
    .unwrap();
    let health = reqwest::get(format!("{}/health/ready", catalog.subgraph.base_url()))
        .await
        .unwrap();
    assert!(health.status().is_success());
}
