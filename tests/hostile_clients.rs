//! A real `micromall` attacked through its router as a hostile client would: fragment bombs,
//! operations that fan out without end, oversized bodies, introspection where it is switched
//! off, and a stop signal in the middle of traffic. The shop keeps answering everyone else.

mod common;

use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use common::{code, gql, start_with};
use serde_json::json;

/// The process's peak resident memory (`VmHWM`), in kB.
fn peak_memory_kb(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmHWM:"))
        .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("VmHWM in /proc status")
}

fn fragment_bomb(levels: usize) -> String {
    let mut query = String::from("query{...F0}");
    for level in 0..levels - 1 {
        let next = level + 1;
        query.push_str(&format!(
            " fragment F{level} on Query{{...F{next} ...F{next}}}"
        ));
    }
    query.push_str(&format!(" fragment F{} on Query{{__typename}}", levels - 1));
    query
}

/// The 212-byte query: a hundred products, each category's hundred products, each of
/// their categories' hundred products with their stock.
const NESTED_PRODUCTS: &str = "{ products(first:100){ nodes { name category { products(first:100){ nodes { name category { products(first:100){ nodes { name variants { stock { available } } } } } } } } } } }";

#[tokio::test]
async fn hostile_operations_are_answered_or_refused_without_hurting_the_shop() {
    let stack = start_with(&[
        ("MICROMALL_DEMO_DATA", "0"),
        ("MICROMALL_ROUTER_INTROSPECTION", "false"),
        ("MICROMALL_MAX_BODY_BYTES", "8192"),
    ])
    .await;
    let base = stack.base.clone();
    let pid = stack.child.id();

    // Warm up, then the fragment bomb: thirty levels, 2^29 copies of one field.
    let warm = gql(&base, "{ __typename }", json!({}), None).await;
    assert_eq!(warm["data"]["__typename"], "Query");
    let before = peak_memory_kb(pid);
    let started = Instant::now();
    let bomb = gql(&base, &fragment_bomb(30), json!({}), None).await;
    let took = started.elapsed();
    assert_eq!(bomb["data"], json!({ "__typename": "Query" }), "{bomb}");
    assert!(took < Duration::from_secs(5), "took {took:?}");
    let grown = peak_memory_kb(pid).saturating_sub(before);
    assert!(grown < 64 * 1024, "peak memory grew by {grown} kB");

    // The nested products query is refused on its estimate, before any subgraph works.
    let started = Instant::now();
    let nested = gql(&base, NESTED_PRODUCTS, json!({}), None).await;
    assert_eq!(code(&nested), "COST_ESTIMATED_TOO_EXPENSIVE", "{nested}");
    assert!(nested["extensions"]["cost"]["estimated"].as_f64().unwrap() > 25_000.0);
    assert!(started.elapsed() < Duration::from_secs(5));

    // An ordinary storefront query still runs, and says what it cost.
    let shop = gql(
        &base,
        "{ products(first: 20) { totalCount nodes { name variants { stock { available } } } } }",
        json!({}),
        None,
    )
    .await;
    assert_eq!(shop["data"]["products"]["totalCount"], 0, "{shop}");
    assert!(shop["extensions"]["cost"]["estimated"].as_f64().unwrap() <= 1_000.0);

    // Introspection is switched off by configuration.
    let schema = gql(&base, "{ __schema { types { name } } }", json!({}), None).await;
    assert_eq!(code(&schema), "GRAPHQL_VALIDATION_FAILED", "{schema}");

    // The router honours MICROMALL_MAX_BODY_BYTES.
    let padded = format!("{{ __typename }} #{}", "x".repeat(10_000));
    let response = reqwest::Client::new()
        .post(format!("{base}/graphql"))
        .json(&json!({ "query": padded }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 413);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(code(&body), "PAYLOAD_TOO_LARGE");

    // GraphiQL does not keep the bearer token in the browser.
    let page = reqwest::Client::new()
        .get(format!("{base}/graphql"))
        .header("accept", "text/html")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("shouldPersistHeaders: false"), "{page}");
}

#[tokio::test]
async fn on_sigterm_the_router_drains_before_the_subgraphs_stop() {
    let mut stack = start_with(&[]).await;
    let base = stack.base.clone();
    // Catalog answers the products, inventory their stock: two subgraphs per operation.
    let query = "{ products(first: 20) { nodes { name variants { stock { available } } } } }";
    let ready = gql(&base, query, json!({}), None).await;
    assert!(ready["errors"].is_null(), "{ready}");

    // Counted as they land, so the stop comes mid-traffic however slow a loaded machine is.
    let answered_so_far = Arc::new(AtomicUsize::new(0));
    let mut clients = Vec::new();
    for _ in 0..8 {
        let base = base.clone();
        let answered_so_far = answered_so_far.clone();
        clients.push(tokio::spawn(async move {
            let http = reqwest::Client::new();
            let (mut answered, mut failed) = (0, Vec::new());
            loop {
                let sent = http
                    .post(format!("{base}/graphql"))
                    .json(&json!({ "query": query }))
                    .send()
                    .await;
                // Refused connections are what a stopped router looks like: the end.
                let Ok(response) = sent else { break };
                let Ok(body) = response.json::<serde_json::Value>().await else {
                    break;
                };
                if body["errors"].is_null() {
                    answered += 1;
                    answered_so_far.fetch_add(1, Ordering::Relaxed);
                } else {
                    failed.push(body);
                }
            }
            (answered, failed)
        }));
    }
    let flowing = Instant::now() + Duration::from_secs(120);
    while answered_so_far.load(Ordering::Relaxed) < 24 {
        assert!(Instant::now() < flowing, "traffic never got going");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let pid = stack.child.id().to_string();
    assert!(
        Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .unwrap()
            .success()
    );
    let mut answered = 0;
    for client in clients {
        let (ok, failed) = client.await.unwrap();
        answered += ok;
        assert!(
            failed.is_empty(),
            "operations accepted before the stop failed: {failed:?}"
        );
    }
    assert!(answered >= 24, "traffic was flowing ({answered} answered)");
    let deadline = Instant::now() + Duration::from_secs(30);
    let status = loop {
        if let Some(status) = stack.child.try_wait().unwrap() {
            break status;
        }
        assert!(Instant::now() < deadline, "micromall did not stop");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert!(status.success(), "exit status {status:?}");
}
