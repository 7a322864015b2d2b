//! Operations built to hurt the router and everyone behind it: fragment bombs, operations
//! that fan out into millions of objects, floods of distinct documents for the caches, and a
//! subgraph that answers without end. Each is refused or answered within bounds, and nothing
//! reaches a subgraph that a limit refused.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use async_graphql::{EmptyMutation, EmptySubscription, ID, Object, Schema};
use axum::routing::post;
use micromall_router::pipeline::cost::{CostLimits, CostMode};
use micromall_router::{Router, RouterConfig, Supergraph};
use serde_json::{Value, json};
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

// ---- one subgraph of products, each with related products ----

struct Product(u32);

#[Object]
impl Product {
    async fn id(&self) -> ID {
        ID(self.0.to_string())
    }
    async fn name(&self) -> String {
        format!("product {}", self.0)
    }
    async fn related(&self, count: Option<i32>) -> Vec<Product> {
        (0..count.unwrap_or(2).clamp(0, 100) as u32)
            .map(|n| Product(self.0 * 100 + n))
            .collect()
    }
}

struct Query;

#[Object]
impl Query {
    async fn products(&self, count: Option<i32>) -> Vec<Product> {
        (0..count.unwrap_or(2).clamp(0, 100) as u32)
            .map(Product)
            .collect()
    }
}

const SUPERGRAPH: &str = r#"
schema
  @link(url: "https://specs.apollo.dev/link/v1.0")
  @link(url: "https://specs.apollo.dev/join/v0.3", for: EXECUTION)
  @link(url: "https://specs.apollo.dev/cost/v0.1", import: ["@cost", "@listSize"])
{
  query: Query
}

directive @cost(weight: Int!) on ARGUMENT_DEFINITION | ENUM | FIELD_DEFINITION | INPUT_FIELD_DEFINITION | OBJECT | SCALAR
directive @listSize(assumedSize: Int, slicingArguments: [String!], sizedFields: [String!], requireOneSlicingArgument: Boolean = true) on FIELD_DEFINITION
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
}

type Product @join__type(graph: PRODUCTS) {
  id: ID!
  name: String!
  related(count: Int = 2): [Product!]! @listSize(slicingArguments: ["count"])
}

type Query @join__type(graph: PRODUCTS) {
  products(count: Int = 2): [Product!]! @listSize(slicingArguments: ["count"])
}
"#;

struct Stack {
    url: String,
    router: Arc<Router>,
    subgraph_calls: Arc<AtomicUsize>,
    http: reqwest::Client,
}

/// Serves the products subgraph, counting every request it gets.
async fn products_subgraph() -> (String, Arc<AtomicUsize>) {
    let schema = Schema::build(Query, EmptyMutation, EmptySubscription).finish();
    let calls = Arc::new(AtomicUsize::new(0));
    let counter = calls.clone();
    let app = axum::Router::new().route(
        "/graphql",
        post(move |body: axum::Json<async_graphql::Request>| {
            let schema = schema.clone();
            counter.fetch_add(1, Ordering::SeqCst);
            async move { axum::Json(schema.execute(body.0).await) }
        }),
    );
    (serve(app).await, calls)
}

async fn serve(app: axum::Router) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/graphql", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    url
}

async fn stack(config: RouterConfig) -> Stack {
    let (subgraph, subgraph_calls) = products_subgraph().await;
    stack_at(&subgraph, subgraph_calls, config).await
}

async fn stack_at(subgraph: &str, subgraph_calls: Arc<AtomicUsize>, config: RouterConfig) -> Stack {
    let sdl = SUPERGRAPH.replace("PRODUCTS_URL", subgraph);
    let router = Arc::new(Router::new(Supergraph::parse(&sdl).unwrap(), config, None));
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(micromall_router::http::serve(
        listener,
        router.clone(),
        CancellationToken::new(),
    ));
    Stack {
        url: format!("http://{addr}/graphql"),
        router,
        subgraph_calls,
        http: reqwest::Client::new(),
    }
}

impl Stack {
    async fn query(&self, query: &str) -> Value {
        self.http
            .post(&self.url)
            .json(&json!({ "query": query }))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    }

    fn calls(&self) -> usize {
        self.subgraph_calls.load(Ordering::SeqCst)
    }
}

fn codes(body: &Value) -> Vec<&str> {
    body["errors"]
        .as_array()
        .map(|e| {
            e.iter()
                .filter_map(|e| e["extensions"]["code"].as_str())
                .collect()
        })
        .unwrap_or_default()
}

/// `query{...F0} fragment F0 on Query{...F1 ...F1} … fragment F{n-1} on Query{leaf}`.
fn fragment_bomb(levels: usize, on: &str, leaf: &str) -> String {
    let mut query = String::from("query{...F0}");
    for level in 0..levels - 1 {
        let next = level + 1;
        query.push_str(&format!(
            " fragment F{level} on {on}{{...F{next} ...F{next}}}"
        ));
    }
    query.push_str(&format!(" fragment F{} on {on}{{{leaf}}}", levels - 1));
    query
}

#[tokio::test]
async fn a_thirty_level_fragment_bomb_is_answered_as_the_one_field_it_merges_to() {
    let stack = stack(RouterConfig::default()).await;
    let bomb = fragment_bomb(30, "Query", "__typename");
    let started = Instant::now();
    let body = stack.query(&bomb).await;
    // 2^29 copies of `__typename` merge into one.
    assert_eq!(body["data"], json!({ "__typename": "Query" }));
    assert!(body.get("errors").is_none(), "{body}");
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "took {:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn a_fragment_bomb_that_does_not_merge_is_refused_before_it_is_built() {
    let stack = stack(RouterConfig::default()).await;
    // Each level selects the next one under two different aliases: 2^30 distinct fields.
    let mut bomb = String::from("query{products(count:1){...F0}}");
    for level in 0..29 {
        let next = level + 1;
        bomb.push_str(&format!(
            " fragment F{level} on Product{{a:related(count:1){{...F{next}}} b:related(count:1){{...F{next}}}}}"
        ));
    }
    bomb.push_str(" fragment F29 on Product{id}");
    let started = Instant::now();
    let body = stack.query(&bomb).await;
    assert_eq!(codes(&body), ["GRAPHQL_VALIDATION_FAILED"], "{body}");
    assert!(
        body["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("fragments are expanded"),
        "{body}"
    );
    assert!(started.elapsed() < Duration::from_secs(5));
    assert_eq!(stack.calls(), 0, "nothing reaches the subgraph");
    assert_eq!(stack.router.cache_stats().documents, 0);
}

#[tokio::test]
async fn fields_repeated_through_fragments_merge_like_graphql_says() {
    let stack = stack(RouterConfig::default()).await;
    let body = stack
        .query(
            "{ products(count: 1) { id ...A ...B } } \
             fragment A on Product { related(count: 1) { id } } \
             fragment B on Product { related(count: 1) { name } id }",
        )
        .await;
    assert_eq!(
        body["data"],
        json!({ "products": [{ "id": "0", "related": [{ "id": "0", "name": "product 0" }] }] })
    );
}

const FAN_OUT: &str =
    "{ products(count: 100) { related(count: 100) { related(count: 100) { id name } } } }";

#[tokio::test]
async fn an_operation_estimated_too_expensive_is_refused_before_any_subgraph_call() {
    let stack = stack(RouterConfig::default()).await;
    let body = stack.query(FAN_OUT).await;
    assert_eq!(codes(&body), ["COST_ESTIMATED_TOO_EXPENSIVE"], "{body}");
    // 100 products, each with 100 related, each with 100 related: 1 010 100.
    assert_eq!(body["extensions"]["cost"]["estimated"], 1_010_100.0);
    assert_eq!(body["extensions"]["cost"]["max"], 25_000);
    assert!(body.get("data").is_none());
    assert_eq!(stack.calls(), 0);
    let cached = stack.router.cache_stats();
    assert_eq!(
        (cached.documents, cached.plans),
        (0, 0),
        "refused, so not cached"
    );

    // The same shape within budget runs, and reports what it estimated and what it cost.
    let body = stack
        .query("{ products(count: 5) { related(count: 5) { related(count: 5) { id name } } } }")
        .await;
    assert_eq!(body["data"]["products"].as_array().unwrap().len(), 5);
    assert_eq!(body["extensions"]["cost"]["estimated"], 155.0);
    assert_eq!(body["extensions"]["cost"]["actual"], 155.0);
    assert_eq!(stack.calls(), 1);
}

#[tokio::test]
async fn variables_and_schema_defaults_size_lists() {
    let stack = stack(RouterConfig::default()).await;
    // `count` defaults to 2 in the schema: 2 * (1 + 2 * 1).
    let body = stack.query("{ products { related { id } } }").await;
    assert_eq!(body["extensions"]["cost"]["estimated"], 6.0);
    let body: Value = stack
        .http
        .post(&stack.url)
        .json(&json!({
            "query": "query($n: Int) { products(count: $n) { related(count: $n) { related(count: $n) { id } } } }",
            "variables": { "n": 100 },
        }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(codes(&body), ["COST_ESTIMATED_TOO_EXPENSIVE"]);
    assert_eq!(stack.calls(), 1, "only the first request ran");
}

#[tokio::test]
async fn measure_mode_reports_the_cost_and_refuses_nothing() {
    let config = RouterConfig {
        cost: CostLimits {
            mode: CostMode::Measure,
            max: 10,
            ..CostLimits::default()
        },
        ..RouterConfig::default()
    };
    let stack = stack(config).await;
    let body = stack
        .query("{ products(count: 4) { related(count: 3) { id } } }")
        .await;
    assert!(body.get("errors").is_none(), "{body}");
    assert_eq!(body["extensions"]["cost"]["estimated"], 16.0);
    assert_eq!(body["extensions"]["cost"]["actual"], 16.0);
    assert_eq!(body["extensions"]["cost"]["mode"], "measure");
}

#[tokio::test]
async fn caches_hold_only_what_passed_and_stay_within_their_bytes() {
    let config = RouterConfig {
        document_cache_bytes: 2 * 1024 * 1024,
        plan_cache_bytes: 2 * 1024 * 1024,
        ..RouterConfig::default()
    };
    let stack = stack(config).await;
    // Over the alias limit: refused, so never cached.
    let aliases: String = (0..1_500)
        .map(|i| format!("a{i}: products {{ id }} "))
        .collect();
    let body = stack.query(&format!("{{ {aliases} }}")).await;
    assert_eq!(codes(&body), ["GRAPHQL_VALIDATION_FAILED"]);
    assert_eq!(stack.router.cache_stats().documents, 0);

    // Two hundred distinct 20 KB documents that pass: the caches keep what fits their bytes.
    let padding = "#".repeat(20_000);
    for i in 0..200 {
        let body = stack
            .query(&format!(
                "{{ products(count: 1) {{ id }} }} # {i}\n{padding}"
            ))
            .await;
        assert_eq!(body["data"]["products"][0]["id"], "0", "{body}");
    }
    let cached = stack.router.cache_stats();
    assert!(cached.documents > 0 && cached.documents < 200, "{cached:?}");
    assert!(cached.document_bytes <= 2 * 1024 * 1024, "{cached:?}");
    assert!(cached.plan_bytes <= 2 * 1024 * 1024, "{cached:?}");
}

#[tokio::test]
async fn a_subgraph_answering_without_end_is_cut_off_at_the_cap() {
    // Answers every request with an endless stream of JSON-ish bytes.
    let app = axum::Router::new().route(
        "/graphql",
        post(|| async {
            let chunk = bytes::Bytes::from(vec![b' '; 64 * 1024]);
            let endless = futures::stream::repeat_with(move || {
                Ok::<_, std::convert::Infallible>(chunk.clone())
            });
            axum::body::Body::from_stream(endless)
        }),
    );
    let url = serve(app).await;
    let config = RouterConfig {
        max_subgraph_response_bytes: 1024 * 1024,
        subgraph_timeout: Duration::from_secs(60),
        ..RouterConfig::default()
    };
    let stack = stack_at(&url, Arc::default(), config).await;
    let started = Instant::now();
    let body = stack.query("{ products { id } }").await;
    assert_eq!(codes(&body), ["SUBGRAPH_UNAVAILABLE"], "{body}");
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "cut off at the cap, not at the timeout: {:?}",
        started.elapsed()
    );
}
