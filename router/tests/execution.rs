//! The router executing plans against real subgraphs started inside the test, over HTTP:
//! batching, merging, null propagation, failing, slow and missing subgraphs, and the HTTP
//! surface clients use.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use async_graphql::{Context, EmptyMutation, EmptySubscription, ID, Object, Schema, SimpleObject};
use axum::routing::post;
use micromall_router::{Router, RouterConfig, Supergraph};
use serde_json::{Value, json};
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

// ---- products: the root list and product names ----

#[derive(SimpleObject)]
struct Product {
    id: ID,
    name: String,
}

struct ProductsQuery;

#[Object]
impl ProductsQuery {
    async fn products(&self, count: Option<i32>) -> Vec<Product> {
        (1..=count.unwrap_or(3))
            .map(|n| Product {
                id: ID(format!("p{n}")),
                name: format!("Product {n}"),
            })
            .collect()
    }

    /// Fails on purpose.
    async fn failing(&self) -> async_graphql::Result<String> {
        Err("the shelf collapsed".into())
    }

    #[graphql(entity)]
    async fn product_by_id(&self, id: ID) -> Product {
        Product {
            name: format!("Product {}", id.trim_start_matches('p')),
            id,
        }
    }
}

// ---- reviews: contributes Product.reviews, counts its _entities calls ----

#[derive(SimpleObject)]
#[graphql(complex, name = "Product")]
struct ReviewedProduct {
    id: ID,
}

#[async_graphql::ComplexObject]
impl ReviewedProduct {
    async fn reviews(&self) -> Vec<Review> {
        vec![Review {
            body: format!("great {}", self.id.as_str()),
        }]
    }

    /// Non-null, but null for product p2: its parent must be nulled.
    async fn rating(&self) -> Option<i32> {
        (self.id.as_str() != "p2").then_some(5)
    }

    /// Nullable, fails for product p2.
    async fn flaky(&self) -> async_graphql::Result<String> {
        match self.id.as_str() {
            "p2" => Err("p2 is out of reach".into()),
            id => Ok(format!("fine {id}")),
        }
    }
}

#[derive(SimpleObject)]
struct Review {
    body: String,
}

struct ReviewsQuery;

#[Object]
impl ReviewsQuery {
    #[graphql(entity)]
    async fn find_product(&self, ctx: &Context<'_>, id: ID) -> ReviewedProduct {
        let _ = ctx;
        ReviewedProduct { id }
    }

    /// Answers slower than the router waits.
    async fn slow(&self) -> String {
        tokio::time::sleep(Duration::from_secs(3)).await;
        "finally".into()
    }
}

const SUPERGRAPH: &str = r#"
schema
  @link(url: "https://specs.apollo.dev/link/v1.0")
  @link(url: "https://specs.apollo.dev/join/v0.3", for: EXECUTION)
{
  query: Query
}

directive @join__enumValue(graph: join__Graph!) repeatable on ENUM_VALUE
directive @join__field(graph: join__Graph, requires: join__FieldSet, provides: join__FieldSet, type: String, external: Boolean, override: String, usedOverridden: Boolean) repeatable on FIELD_DEFINITION | INPUT_FIELD_DEFINITION
directive @join__graph(name: String!, url: String!) on ENUM_VALUE
directive @join__implements(graph: join__Graph!, interface: String!) repeatable on OBJECT | INTERFACE
directive @join__type(graph: join__Graph!, key: join__FieldSet, extension: Boolean! = false, resolvable: Boolean! = true, isInterfaceObject: Boolean! = false) repeatable on OBJECT | INTERFACE | UNION | ENUM | INPUT_OBJECT | SCALAR
directive @join__unionMember(graph: join__Graph!, member: String!) repeatable on UNION
directive @link(url: String, as: String, for: link__Purpose, import: [link__Import]) repeatable on SCHEMA

scalar join__FieldSet
scalar link__Import
enum link__Purpose { SECURITY EXECUTION }

enum join__Graph {
  PRODUCTS @join__graph(name: "products", url: "PRODUCTS_URL")
  REVIEWS @join__graph(name: "reviews", url: "REVIEWS_URL")
}

type Product
  @join__type(graph: PRODUCTS, key: "id")
  @join__type(graph: REVIEWS, key: "id")
{
  id: ID!
  name: String! @join__field(graph: PRODUCTS)
  reviews: [Review!]! @join__field(graph: REVIEWS)
  rating: Int! @join__field(graph: REVIEWS, type: "Int")
  flaky: String @join__field(graph: REVIEWS)
}

type Review @join__type(graph: REVIEWS) {
  body: String!
}

type Query @join__type(graph: PRODUCTS) @join__type(graph: REVIEWS) {
  products(count: Int): [Product!]! @join__field(graph: PRODUCTS)
  failing: String @join__field(graph: PRODUCTS)
  slow: String @join__field(graph: REVIEWS)
}
"#;

/// Serves a schema on a free port; counts the requests that ask for `_entities`.
async fn serve_subgraph<Q: async_graphql::ObjectType + 'static>(
    query: Q,
) -> (String, Arc<AtomicUsize>) {
    serve_subgraph_after(query, Duration::ZERO).await
}

/// Like `serve_subgraph`, each answer `delay` late.
async fn serve_subgraph_after<Q: async_graphql::ObjectType + 'static>(
    query: Q,
    delay: Duration,
) -> (String, Arc<AtomicUsize>) {
    let schema = Schema::build(query, EmptyMutation, EmptySubscription)
        .enable_federation()
        .finish();
    let entity_calls = Arc::new(AtomicUsize::new(0));
    let counter = entity_calls.clone();
    let app = axum::Router::new().route(
        "/graphql",
        post(move |body: axum::Json<async_graphql::Request>| {
            let schema = schema.clone();
            let counter = counter.clone();
            async move {
                if body.0.query.contains("_entities") {
                    counter.fetch_add(1, Ordering::SeqCst);
                }
                tokio::time::sleep(delay).await;
                axum::Json(schema.execute(body.0).await)
            }
        }),
    );
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/graphql", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    (url, entity_calls)
}

struct Stack {
    router: String,
    reviews_entity_calls: Arc<AtomicUsize>,
    http: reqwest::Client,
}

async fn stack_with(reviews_up: bool) -> Stack {
    let (products, _) = serve_subgraph(ProductsQuery).await;
    let (reviews, reviews_entity_calls) = if reviews_up {
        serve_subgraph(ReviewsQuery).await
    } else {
        // A port nobody listens on.
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}/graphql", listener.local_addr().unwrap());
        drop(listener);
        (url, Arc::new(AtomicUsize::new(0)))
    };
    let config = RouterConfig {
        subgraph_timeout: Duration::from_millis(500),
        ..RouterConfig::default()
    };
    let router = serve_router(&products, &reviews, config).await;
    Stack {
        router,
        reviews_entity_calls,
        http: reqwest::Client::new(),
    }
}

/// A router on a free port over the test supergraph; returns its GraphQL URL.
async fn serve_router(products: &str, reviews: &str, config: RouterConfig) -> String {
    let sdl = SUPERGRAPH
        .replace("PRODUCTS_URL", products)
        .replace("REVIEWS_URL", reviews);
    let router = Arc::new(Router::new(Supergraph::parse(&sdl).unwrap(), config, None));
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(micromall_router::http::serve(
        listener,
        router,
        CancellationToken::new(),
    ));
    format!("http://{addr}/graphql")
}

impl Stack {
    async fn query(&self, query: &str) -> Value {
        self.post(json!({ "query": query })).await.1
    }

    async fn post(&self, body: Value) -> (u16, Value) {
        let response = self
            .http
            .post(&self.router)
            .json(&body)
            .send()
            .await
            .unwrap();
        (response.status().as_u16(), response.json().await.unwrap())
    }
}

fn codes(body: &Value) -> Vec<String> {
    body["errors"]
        .as_array()
        .map(|e| {
            e.iter()
                .map(|e| e["extensions"]["code"].as_str().unwrap_or("").to_owned())
                .collect()
        })
        .unwrap_or_default()
}

#[tokio::test]
async fn fifty_entities_cost_one_entities_call_and_merge_in_order() {
    let stack = stack_with(true).await;
    let body = stack
        .query("{ products(count: 50) { id name reviews { body } } }")
        .await;
    let products = body["data"]["products"].as_array().expect("products");
    assert_eq!(products.len(), 50);
    for (i, product) in products.iter().enumerate() {
        let id = format!("p{}", i + 1);
        assert_eq!(product["id"], id);
        assert_eq!(product["name"], format!("Product {}", i + 1));
        assert_eq!(
            product["reviews"],
            json!([{ "body": format!("great {id}") }])
        );
    }
    assert_eq!(
        stack.reviews_entity_calls.load(Ordering::SeqCst),
        1,
        "one batched _entities call"
    );
    assert!(body.get("errors").is_none(), "{body}");
}

#[tokio::test]
async fn sibling_lists_cost_one_request_to_a_subgraph_with_errors_where_they_belong() {
    let stack = stack_with(true).await;
    let body = stack
        .query(
            "{ first: products(count: 2) { id reviews { body } } \
               second: products(count: 3) { name flaky } \
               third: products(count: 1) { reviews { body } } }",
        )
        .await;
    assert_eq!(
        stack.reviews_entity_calls.load(Ordering::SeqCst),
        1,
        "three lists, one request to reviews"
    );
    assert_eq!(
        body["data"]["first"],
        json!([
            { "id": "p1", "reviews": [{ "body": "great p1" }] },
            { "id": "p2", "reviews": [{ "body": "great p2" }] },
        ])
    );
    assert_eq!(
        body["data"]["second"],
        json!([
            { "name": "Product 1", "flaky": "fine p1" },
            { "name": "Product 2", "flaky": null },
            { "name": "Product 3", "flaky": "fine p3" },
        ])
    );
    assert_eq!(
        body["data"]["third"],
        json!([{ "reviews": [{ "body": "great p1" }] }])
    );
    let errors = body["errors"].as_array().expect("the failure is reported");
    assert_eq!(errors.len(), 1, "{body}");
    assert_eq!(errors[0]["path"], json!(["second", 1, "flaky"]));
    assert_eq!(errors[0]["message"], "p2 is out of reach");
}

#[tokio::test]
async fn a_null_in_a_non_null_field_nulls_the_nearest_nullable_parent() {
    let stack = stack_with(true).await;
    let body = stack.query("{ products(count: 3) { id rating } }").await;
    // `rating: Int!` is null for p2; `products: [Product!]!` cannot hold a null item, and the
    // list itself is non-null, so the whole data goes null.
    assert_eq!(body["data"], Value::Null, "{body}");
    assert_eq!(body["errors"][0]["path"], json!(["products", 1, "rating"]));
}

#[tokio::test]
async fn a_failing_field_costs_only_itself() {
    let stack = stack_with(true).await;
    let body = stack.query("{ products(count: 2) { id } failing }").await;
    assert_eq!(
        body["data"]["products"],
        json!([{ "id": "p1" }, { "id": "p2" }])
    );
    assert_eq!(body["data"]["failing"], Value::Null);
    assert_eq!(body["errors"][0]["path"], json!(["failing"]));
    assert_eq!(body["errors"][0]["message"], "the shelf collapsed");
}

#[tokio::test]
async fn a_slow_subgraph_times_out_without_holding_the_rest() {
    let stack = stack_with(true).await;
    let started = Instant::now();
    let body = stack.query("{ products(count: 1) { id } slow }").await;
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "answered after the timeout, not the subgraph"
    );
    assert_eq!(body["data"]["products"], json!([{ "id": "p1" }]));
    assert_eq!(body["data"]["slow"], Value::Null);
    assert_eq!(codes(&body), ["SUBGRAPH_UNAVAILABLE"]);
    assert!(
        !body.to_string().contains("127.0.0.1"),
        "no internal addresses in errors"
    );
}

#[tokio::test]
async fn a_missing_subgraph_costs_only_its_fields() {
    let stack = stack_with(false).await;
    let body = stack
        .query("{ products(count: 2) { id name reviews { body } } }")
        .await;
    assert_eq!(codes(&body), ["SUBGRAPH_UNAVAILABLE"], "{body}");
    // `reviews` is non-null, so each product is nulled, and then the non-null list.
    assert_eq!(body["data"], Value::Null);
    let body = stack.query("{ products(count: 2) { id name } }").await;
    assert_eq!(body["data"]["products"][1]["name"], "Product 2");
}

#[tokio::test]
async fn bad_requests_get_their_codes() {
    let stack = stack_with(true).await;
    assert_eq!(
        codes(&stack.query("{ products { id ").await),
        ["GRAPHQL_PARSE_FAILED"]
    );
    assert_eq!(
        codes(&stack.query("{ products { sku } }").await),
        ["GRAPHQL_VALIDATION_FAILED"]
    );
    let (_, body) = stack
        .post(json!({ "query": "query($n: Int) { products(count: $n) { id } }", "variables": { "n": "many" } }))
        .await;
    assert_eq!(codes(&body), ["BAD_USER_INPUT"]);
    assert!(
        body.get("data").is_none(),
        "no data for bad variables: {body}"
    );

    let response = stack
        .http
        .post(&stack.router)
        .body("{ not json")
        .header("content-type", "application/json")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 400);
    let huge = "x".repeat(1024 * 1024 + 10);
    let response = stack
        .http
        .post(&stack.router)
        .json(&json!({ "query": huge }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 413);

    // GraphQL-over-HTTP: with the new media type, a request error is a 4xx.
    let response = stack
        .http
        .post(&stack.router)
        .header("accept", "application/graphql-response+json")
        .json(&json!({ "query": "{ nope }" }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 400);
    assert_eq!(
        response.headers()["content-type"],
        "application/graphql-response+json"
    );
}

#[tokio::test]
async fn queries_work_over_get_and_mutations_do_not() {
    let stack = stack_with(true).await;
    let url = reqwest::Url::parse_with_params(
        &stack.router,
        [("query", "{ products(count: 1) { id } }")],
    )
    .unwrap();
    let response = stack.http.get(url).send().await.unwrap();
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["data"]["products"], json!([{ "id": "p1" }]));
    let url =
        reqwest::Url::parse_with_params(&stack.router, [("query", "mutation { x }")]).unwrap();
    let response = stack.http.get(url).send().await.unwrap();
    assert_eq!(response.status().as_u16(), 405);
}

#[tokio::test]
async fn introspection_shows_the_api_schema_only() {
    let stack = stack_with(true).await;
    let body = stack
        .query("{ __schema { types { name } directives { name } } __typename }")
        .await;
    let names: Vec<&str> = body["data"]["__schema"]["types"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|t| t["name"].as_str())
        .collect();
    assert!(names.contains(&"Product") && names.contains(&"Review"));
    assert!(
        !names
            .iter()
            .any(|n| n.starts_with("join__") || n.starts_with("link__")),
        "{names:?}"
    );
    let directives = body["data"]["__schema"]["directives"].to_string();
    assert!(!directives.contains("join__"));
    assert_eq!(body["data"]["__typename"], "Query");
}

#[tokio::test]
async fn depth_and_alias_limits_refuse_abuse() {
    let stack = stack_with(true).await;
    let aliases: String = (0..101).map(|i| format!("a{i}: failing ")).collect();
    let body = stack.query(&format!("{{ {aliases} }}")).await;
    assert_eq!(codes(&body), ["GRAPHQL_VALIDATION_FAILED"]);
    assert!(
        body["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("aliases")
    );
}

#[tokio::test]
async fn replicas_take_turns_and_a_dead_one_costs_no_answer() {
    let (products, _) = serve_subgraph(ProductsQuery).await;
    let (first, first_calls) = serve_subgraph(ReviewsQuery).await;
    let (second, second_calls) = serve_subgraph(ReviewsQuery).await;
    let dead = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        format!("http://{}/graphql", listener.local_addr().unwrap())
    };
    let config = RouterConfig {
        subgraph_timeout: Duration::from_millis(500),
        subgraph_urls: [("reviews".to_owned(), vec![dead, first, second])].into(),
        ..RouterConfig::default()
    };
    let stack = Stack {
        router: serve_router(&products, "http://127.0.0.1:9/unused", config).await,
        reviews_entity_calls: Arc::new(AtomicUsize::new(0)),
        http: reqwest::Client::new(),
    };
    for _ in 0..12 {
        let body = stack
            .query("{ products(count: 2) { id reviews { body } } }")
            .await;
        assert!(body.get("errors").is_none(), "{body}");
        assert_eq!(
            body["data"]["products"][1]["reviews"][0]["body"],
            "great p2"
        );
    }
    let (first, second) = (
        first_calls.load(Ordering::SeqCst),
        second_calls.load(Ordering::SeqCst),
    );
    assert_eq!(first + second, 12, "every call answered once");
    assert!(
        first >= 4 && second >= 4,
        "both live replicas took turns: {first} and {second}"
    );
}

#[tokio::test]
async fn identical_queries_in_flight_at_once_cost_one_subgraph_call_unless_switched_off() {
    for (deduplicate, expected) in [(true, 1), (false, 8)] {
        let (products, _) = serve_subgraph(ProductsQuery).await;
        let (reviews, entity_calls) =
            serve_subgraph_after(ReviewsQuery, Duration::from_millis(300)).await;
        let config = RouterConfig {
            deduplicate_subgraph_queries: deduplicate,
            ..RouterConfig::default()
        };
        let stack = Stack {
            router: serve_router(&products, &reviews, config).await,
            reviews_entity_calls: entity_calls.clone(),
            http: reqwest::Client::new(),
        };
        let answers = futures::future::join_all(
            (0..8).map(|_| stack.query("{ products(count: 2) { id reviews { body } } }")),
        )
        .await;
        for body in answers {
            assert!(body.get("errors").is_none(), "{body}");
            assert_eq!(
                body["data"]["products"][1]["reviews"][0]["body"],
                "great p2"
            );
        }
        assert_eq!(
            stack.reviews_entity_calls.load(Ordering::SeqCst),
            expected,
            "eight identical requests at once, deduplication {deduplicate}"
        );
    }
}
