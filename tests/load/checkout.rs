//! Checkout load: many signed-in customers fill a cart and check out, over and over, through
//! the router of a running Micromall. Prints checkouts per second and latency percentiles.
//!
//! ```text
//! cargo run --release --example checkout_load -- URL ADMIN_EMAIL ADMIN_PASSWORD [CUSTOMERS] [SECONDS]
//! ```
//!
//! Each customer loops: `addToCart` (one unit), then `checkout` with a fresh idempotency key.
//! Only the checkout is timed; it reprices from catalog, holds stock in inventory, writes the
//! order with its event and empties the cart. Stock is set high enough never to run out.

use std::time::{Duration, Instant};

use serde_json::{Value, json};

const PASSWORD: &str = "load test password";

struct Client {
    http: reqwest::Client,
    url: String,
}

impl Client {
    async fn gql(&self, query: &str, variables: Value, token: Option<&str>) -> Value {
        let mut request = self
            .http
            .post(&self.url)
            .json(&json!({ "query": query, "variables": variables }));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        match request.send().await {
            Ok(response) => response.json().await.unwrap_or(Value::Null),
            Err(err) => json!({ "errors": [{ "message": err.to_string() }] }),
        }
    }

    async fn login(&self, email: &str, password: &str) -> String {
        let body = self
            .gql(
                "mutation($i: LoginInput!) { login(input: $i) { accessToken } }",
                json!({ "i": { "email": email, "password": password } }),
                None,
            )
            .await;
        body["data"]["login"]["accessToken"]
            .as_str()
            .unwrap_or_else(|| panic!("login failed for {email}: {body}"))
            .to_owned()
    }
}

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.len() < 3 {
        eprintln!(
            "usage: checkout_load URL ADMIN_EMAIL ADMIN_PASSWORD [CUSTOMERS=50] [SECONDS=30]"
        );
        std::process::exit(2);
    }
    let customers: usize = args.get(3).and_then(|a| a.parse().ok()).unwrap_or(50);
    let seconds: u64 = args.get(4).and_then(|a| a.parse().ok()).unwrap_or(30);
    let client = std::sync::Arc::new(Client {
        http: reqwest::Client::builder()
            .pool_max_idle_per_host(customers)
            .build()
            .unwrap(),
        url: format!("{}/graphql", args[0].trim_end_matches('/')),
    });

    let admin = client.login(&args[1], &args[2]).await;
    let created = client
        .gql(
            "mutation($i: CreateProductInput!) { createProduct(input: $i) { product { variants { id } } userErrors { code } } }",
            json!({ "i": {
                "name": format!("Load test item {}", std::process::id()),
                "description": "checkout benchmark",
                "variants": [{ "sku": format!("LOAD-{}-{}", std::process::id(), Instant::now().elapsed().as_nanos()), "name": "Standard", "price": "12.34" }]
            }}),
            Some(&admin),
        )
        .await;
    let variant = created["data"]["createProduct"]["product"]["variants"][0]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("createProduct failed: {created}"))
        .to_owned();
    let stocked = client
        .gql(
            "mutation($v: ID!) { setStock(variantId: $v, quantity: 1000000) { userErrors { code } } }",
            json!({ "v": variant }),
            Some(&admin),
        )
        .await;
    assert!(
        stocked.get("errors").is_none(),
        "setStock failed: {stocked}"
    );

    eprintln!("registering {customers} customers…");
    let run = std::process::id();
    let tokens = futures::future::join_all((0..customers).map(|i| {
        let client = client.clone();
        async move {
            let email = format!("load-{run}-{i}@example.com");
            client
                .gql(
                    "mutation($i: RegisterInput!) { register(input: $i) { userErrors { code } } }",
                    json!({ "i": { "email": email, "password": PASSWORD, "name": "Load" } }),
                    None,
                )
                .await;
            client.login(&email, PASSWORD).await
        }
    }))
    .await;

    eprintln!("checking out for {seconds}s with {customers} concurrent customers…");
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let started = Instant::now();
    let results = futures::future::join_all(tokens.into_iter().enumerate().map(|(i, token)| {
        let client = client.clone();
        let variant = variant.clone();
        async move {
            let mut latencies = Vec::new();
            let mut failures = 0usize;
            let mut n = 0;
            while Instant::now() < deadline {
                n += 1;
                client
                    .gql(
                        "mutation($v: ID!) { addToCart(variantId: $v, quantity: 1) { userErrors { code } } }",
                        json!({ "v": variant }),
                        Some(&token),
                    )
                    .await;
                let begun = Instant::now();
                let body = client
                    .gql(
                        "mutation($i: CheckoutInput!) { checkout(input: $i) { order { id } userErrors { code } } }",
                        json!({ "i": {
                            "idempotencyKey": format!("load-{run}-{i}-{n}"),
                            "shippingAddress": { "name": "Load", "line1": "1 Bench St", "city": "Perf", "postalCode": "12345", "country": "DE" }
                        }}),
                        Some(&token),
                    )
                    .await;
                if body["data"]["checkout"]["order"]["id"].is_string() {
                    latencies.push(begun.elapsed());
                } else {
                    failures += 1;
                }
            }
            (latencies, failures)
        }
    }))
    .await;
    let elapsed = started.elapsed();
    let failures: usize = results.iter().map(|(_, f)| f).sum();
    let mut latencies: Vec<Duration> = results.into_iter().flat_map(|(l, _)| l).collect();
    latencies.sort();
    let pct = |p: f64| {
        latencies
            .get(((latencies.len() as f64 * p) as usize).min(latencies.len().saturating_sub(1)))
            .copied()
            .unwrap_or_default()
    };
    println!(
        "checkouts: {} ok, {} failed in {:.1}s → {:.1} checkouts/s (each customer also adds to cart between checkouts)",
        latencies.len(),
        failures,
        elapsed.as_secs_f64(),
        latencies.len() as f64 / elapsed.as_secs_f64()
    );
    println!(
        "checkout latency: p50 {:?}  p95 {:?}  p99 {:?}  max {:?}",
        pct(0.50),
        pct(0.95),
        pct(0.99),
        latencies.last().copied().unwrap_or_default()
    );
}
