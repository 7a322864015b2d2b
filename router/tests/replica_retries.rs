//! What the router repeats on another replica when one took a request and hung up without
//! answering: a query (asking twice changes nothing), never a mutation (the first replica may
//! have done it).

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use axum::routing::post;
use micromall_router::{Router, RouterConfig, Supergraph};
use serde_json::{Value, json};
use tokio::io::AsyncReadExt;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

const SUPERGRAPH: &str = r#"
schema
  @link(url: "https://specs.apollo.dev/link/v1.0")
  @link(url: "https://specs.apollo.dev/join/v0.3", for: EXECUTION)
{
  query: Query
  mutation: Mutation
}

directive @join__field(graph: join__Graph, requires: join__FieldSet, provides: join__FieldSet, type: String, external: Boolean, override: String, usedOverridden: Boolean) repeatable on FIELD_DEFINITION | INPUT_FIELD_DEFINITION
directive @join__graph(name: String!, url: String!) on ENUM_VALUE
directive @join__type(graph: join__Graph!, key: join__FieldSet, extension: Boolean! = false, resolvable: Boolean! = true, isInterfaceObject: Boolean! = false) repeatable on OBJECT | INTERFACE | UNION | ENUM | INPUT_OBJECT | SCALAR
directive @link(url: String, as: String, for: link__Purpose, import: [link__Import]) repeatable on SCHEMA

scalar join__FieldSet
scalar link__Import
enum link__Purpose { SECURITY EXECUTION }

enum join__Graph {
  VOTES @join__graph(name: "votes", url: "http://127.0.0.1:9/unused")
}

type Query @join__type(graph: VOTES) {
  count: Int @join__field(graph: VOTES)
}

type Mutation @join__type(graph: VOTES) {
  vote: Int @join__field(graph: VOTES)
}
"#;

/// A replica that answers every operation, counting them.
async fn answering() -> (String, Arc<AtomicUsize>) {
    let calls = Arc::new(AtomicUsize::new(0));
    let counter = calls.clone();
    let app = axum::Router::new().route(
        "/graphql",
        post(move |body: axum::Json<Value>| {
            let counter = counter.clone();
            async move {
                let n = counter.fetch_add(1, Ordering::SeqCst) + 1;
                let field = if body.0["query"].as_str().unwrap_or("").contains("vote") {
                    "vote"
                } else {
                    "count"
                };
                axum::Json(json!({ "data": { field: n } }))
            }
        }),
    );
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/graphql", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    (url, calls)
}

/// A replica that accepts each request, reads it, and closes the connection unanswered.
async fn hanging_up() -> (String, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/graphql", listener.local_addr().unwrap());
    let taken = Arc::new(AtomicUsize::new(0));
    let counter = taken.clone();
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            let mut buffer = [0u8; 4096];
            if socket.read(&mut buffer).await.is_ok_and(|n| n > 0) {
                counter.fetch_add(1, Ordering::SeqCst);
            }
            drop(socket);
        }
    });
    (url, taken)
}

/// A router whose one subgraph has the replicas `urls`, tried in this order first.
async fn router(urls: Vec<String>) -> String {
    let config = RouterConfig {
        subgraph_timeout: Duration::from_secs(2),
        subgraph_urls: [("votes".to_owned(), urls)].into(),
        ..RouterConfig::default()
    };
    let router = Arc::new(Router::new(
        Supergraph::parse(SUPERGRAPH).unwrap(),
        config,
        None,
    ));
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/graphql", listener.local_addr().unwrap());
    tokio::spawn(micromall_router::http::serve(
        listener,
        router,
        CancellationToken::new(),
    ));
    url
}

async fn ask(router: &str, query: &str) -> Value {
    reqwest::Client::new()
        .post(router)
        .json(&json!({ "query": query }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

#[tokio::test]
async fn a_query_a_replica_took_and_dropped_is_answered_by_another() {
    let (dropper, dropped) = hanging_up().await;
    let (answerer, answered) = answering().await;
    let router = router(vec![dropper, answerer]).await;
    let body = ask(&router, "{ count }").await;
    assert_eq!(
        dropped.load(Ordering::SeqCst),
        1,
        "the first replica took it"
    );
    assert_eq!(body["data"]["count"], 1, "{body}");
    assert!(body.get("errors").is_none(), "{body}");
    assert_eq!(answered.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn a_mutation_a_replica_took_and_dropped_is_not_sent_again() {
    let (dropper, dropped) = hanging_up().await;
    let (answerer, answered) = answering().await;
    let router = router(vec![dropper, answerer]).await;
    let body = ask(&router, "mutation { vote }").await;
    assert_eq!(
        dropped.load(Ordering::SeqCst),
        1,
        "the first replica took it"
    );
    assert_eq!(
        answered.load(Ordering::SeqCst),
        0,
        "not sent to a second replica"
    );
    assert_eq!(body["data"]["vote"], Value::Null, "{body}");
    assert_eq!(
        body["errors"][0]["extensions"]["code"], "SUBGRAPH_UNAVAILABLE",
        "{body}"
    );
    // The replica that hung up is out of rotation: the next mutation goes to the other.
    let body = ask(&router, "mutation { vote }").await;
    assert_eq!(body["data"]["vote"], 1, "{body}");
    assert_eq!(dropped.load(Ordering::SeqCst), 1);
}
