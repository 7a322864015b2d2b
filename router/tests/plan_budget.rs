//! The planner's time budget. A supergraph built as a maze — many subgraphs that each
//! resolve a field but can only be entered by keys that lead from one to another and never
//! back to the root — makes the planner's search try every path through it before finding
//! the one way in. Such an operation is refused within the budget, through the router
//! before any subgraph is called; the same shape, smaller, still plans.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use axum::routing::post;
use micromall_router::compose::{SubgraphSdl, compose};
use micromall_router::pipeline::limits::Limits;
use micromall_router::pipeline::prepare;
use micromall_router::planner::{DEFAULT_PLAN_BUDGET, PlanError, QueryPlan, plan_within};
use micromall_router::{GraphqlRequest, Router, RouterConfig, Supergraph};
use reqwest::header::HeaderMap;
use serde_json::json;
use tokio::net::TcpListener;

const LINK: &str = r#"extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key", "@shareable"])"#;

/// `r` returns a `T` by `id`; `z` resolves `T.f` by `zk`, which only `y` gives for an `id`.
/// The dead ends `a0`…`a{n-1}` resolve `T.f` too, each by a key `k{i}` that only the dead
/// ends hold. The planner tries jump candidates in subgraph order, so every dead end first.
fn maze(dead_ends: usize, url: &str) -> Supergraph {
    let subgraph = |name: &str, sdl: String| SubgraphSdl {
        name: name.into(),
        url: url.into(),
        sdl: format!("{LINK} {sdl}"),
    };
    let mut subgraphs = vec![
        subgraph(
            "r",
            "type Query { t: T } type T @key(fields: \"id\") { id: ID! }".into(),
        ),
        subgraph(
            "y",
            "type T @key(fields: \"id\") { id: ID! zk: ID! @shareable }".into(),
        ),
        subgraph(
            "z",
            "type T @key(fields: \"zk\") { zk: ID! @shareable f: Int @shareable }".into(),
        ),
    ];
    let keys: String = (0..dead_ends)
        .map(|i| format!("k{i}: ID! @shareable "))
        .collect();
    for i in 0..dead_ends {
        subgraphs.push(subgraph(
            &format!("a{i}"),
            format!("type T @key(fields: \"k{i}\") {{ {keys} f: Int @shareable }}"),
        ));
    }
    let sdl = compose(&subgraphs).unwrap_or_else(|e| panic!("the maze composes: {e:?}"));
    Supergraph::parse(&sdl).expect("the maze loads")
}

fn plan_in(supergraph: &Supergraph, query: &str, budget: Duration) -> Result<QueryPlan, PlanError> {
    let prepared = prepare(
        supergraph,
        query,
        None,
        Default::default(),
        &Limits::default(),
    )
    .expect("a valid operation");
    plan_within(supergraph, &prepared.operation, budget)
}

#[test]
fn an_operation_built_to_explode_the_search_is_refused_within_the_budget() {
    let supergraph = maze(6, "http://unused.internal/graphql");
    let started = Instant::now();
    let refused = plan_in(&supergraph, "{ t { f } }", DEFAULT_PLAN_BUDGET);
    let took = started.elapsed();
    assert_eq!(
        refused.as_ref().map(QueryPlan::display),
        Err(&PlanError::OverBudget {
            budget: DEFAULT_PLAN_BUDGET
        })
    );
    assert!(took < Duration::from_secs(5), "refused only after {took:?}");
    assert!(
        refused
            .unwrap_err()
            .to_string()
            .contains("too complex to plan within the planner's budget of 1s")
    );
}

#[test]
fn a_smaller_maze_and_an_ordinary_operation_still_plan() {
    let supergraph = maze(3, "http://unused.internal/graphql");
    let through_the_maze = plan_in(&supergraph, "{ t { f } }", DEFAULT_PLAN_BUDGET)
        .expect("three dead ends are searched within the budget")
        .display();
    assert!(
        through_the_maze.contains("Fetch(service: \"y\")")
            && through_the_maze.contains("Fetch(service: \"z\")")
            && !through_the_maze.contains("service: \"a"),
        "{through_the_maze}"
    );
    let big = maze(6, "http://unused.internal/graphql");
    let ordinary = plan_in(&big, "{ t { id zk } }", Duration::from_millis(10))
        .expect("an ordinary operation plans even on a tiny budget")
        .display();
    assert!(ordinary.contains("Fetch(service: \"y\")"), "{ordinary}");
}

/// A subgraph endpoint that counts the requests it gets and answers every one with `t`.
async fn counting_subgraph() -> (String, Arc<AtomicUsize>) {
    let calls = Arc::new(AtomicUsize::new(0));
    let counter = calls.clone();
    let app = axum::Router::new().route(
        "/graphql",
        post(move || {
            counter.fetch_add(1, Ordering::SeqCst);
            async { axum::Json(json!({ "data": { "t": { "id": "1" } } })) }
        }),
    );
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/graphql", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    (url, calls)
}

#[tokio::test]
async fn the_router_refuses_what_it_cannot_plan_in_time_without_calling_or_caching() {
    let (url, calls) = counting_subgraph().await;
    let config = RouterConfig {
        plan_budget: Duration::from_millis(10),
        ..RouterConfig::default()
    };
    let router = Router::new(maze(6, &url), config, None);
    let request = |query: &str| GraphqlRequest {
        query: Some(query.into()),
        ..GraphqlRequest::default()
    };

    let started = Instant::now();
    let refused = router
        .execute(request("{ t { f } }"), &HeaderMap::new())
        .await;
    assert!(started.elapsed() < Duration::from_secs(5));
    assert!(refused.request_error);
    assert_eq!(
        refused.body,
        json!({ "errors": [{
            "message": "the operation is too complex to plan within the planner's budget of 10ms",
            "extensions": { "code": "GRAPHQL_VALIDATION_FAILED" },
        }] })
    );
    assert_eq!(calls.load(Ordering::SeqCst), 0, "no subgraph was called");
    assert_eq!(
        router.cache_stats().plans,
        0,
        "a refused plan is not cached"
    );

    let answered = router
        .execute(request("{ t { id } }"), &HeaderMap::new())
        .await;
    assert_eq!(answered.body["data"], json!({ "t": { "id": "1" } }));
    assert_eq!(calls.load(Ordering::SeqCst), 1);
    assert_eq!(router.cache_stats().plans, 1);
}
