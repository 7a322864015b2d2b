//! The `micromall` binary as a newcomer runs it: everything in one process, empty data
//! directory, then register / login / me over HTTP, then a graceful stop on SIGTERM.

mod common;

use std::process::Command;
use std::time::{Duration, Instant};

use common::{code, gql, start};
use serde_json::json;

#[tokio::test]
async fn a_fresh_install_registers_signs_in_and_stops_cleanly() {
    let mut stack = start().await;
    let base = stack.base.clone();

    let registered = gql(
        &base,
        "mutation($i: RegisterInput!) { register(input: $i) { user { id } userErrors { code } } }",
        json!({ "i": { "email": "new@example.com", "password": "correct horse battery", "name": "Newcomer" } }),
        None,
    )
    .await;
    let id = registered["data"]["register"]["user"]["id"]
        .as_str()
        .expect("registered")
        .to_owned();

    let login = gql(
        &base,
        "mutation($i: LoginInput!) { login(input: $i) { accessToken userErrors { code } } }",
        json!({ "i": { "email": "new@example.com", "password": "correct horse battery" } }),
        None,
    )
    .await;
    let token = login["data"]["login"]["accessToken"]
        .as_str()
        .expect("access token")
        .to_owned();

    let me = gql(&base, "{ me { id name email } }", json!({}), Some(&token)).await;
    assert_eq!(
        me["data"]["me"],
        json!({ "id": id, "name": "Newcomer", "email": "new@example.com" })
    );
    // The plan printer takes the same token and sees the same caller.
    let (planned, plan) = stack.command(&[
        "router",
        "plan",
        "--supergraph",
        "schema/supergraph.graphql",
        "--token",
        &token,
        "{ me { id name email } }",
    ]);
    assert!(planned, "{plan}");
    assert!(
        plan.contains("Fetch(service: \"accounts\")") && !plan.contains("UNAUTHENTICATED"),
        "{plan}"
    );

    // The administrator from the environment exists and may list users.
    let admin = gql(
        &base,
        "mutation { login(input: { email: \"boss@example.com\", password: \"boss password 123\" }) { accessToken } }",
        json!({}),
        None,
    )
    .await;
    let admin_token = admin["data"]["login"]["accessToken"]
        .as_str()
        .expect("admin token")
        .to_owned();
    // The demo shop's customers register meanwhile (as demo-shopper-N@micromall.example).
    let users = gql(
        &base,
        "{ users(query: \"@example.com\") { totalCount } }",
        json!({}),
        Some(&admin_token),
    )
    .await;
    assert_eq!(users["data"]["users"]["totalCount"], 2, "{users}");

    assert!(
        stack.data_dir.join("accounts.db").exists(),
        "SQLite file under the data dir"
    );

    // The router's own answers.
    assert_eq!(
        code(&gql(&base, "{ me { id ", json!({}), None).await),
        "GRAPHQL_PARSE_FAILED"
    );
    assert_eq!(
        code(&gql(&base, "{ me { shoeSize } }", json!({}), None).await),
        "GRAPHQL_VALIDATION_FAILED"
    );
    let bad_variables = gql(
        &base,
        "query($n: Int) { users(first: $n) { totalCount } }",
        json!({ "n": "ten" }),
        Some(&admin_token),
    )
    .await;
    assert_eq!(code(&bad_variables), "BAD_USER_INPUT");
    assert!(
        bad_variables.get("data").is_none(),
        "no data with bad variables"
    );
    let anonymous_me = gql(&base, "{ me { id } }", json!({}), None).await;
    assert_eq!(
        code(&anonymous_me),
        "UNAUTHENTICATED",
        "@authenticated enforced: {anonymous_me}"
    );
    let customer_users = gql(&base, "{ users { totalCount } }", json!({}), Some(&token)).await;
    assert_eq!(
        code(&customer_users),
        "FORBIDDEN",
        "@requiresScopes enforced: {customer_users}"
    );
    let types = gql(&base, "{ __schema { types { name } } }", json!({}), None).await;
    let names = types["data"]["__schema"]["types"].to_string();
    assert!(
        names.contains("\"User\"") && !names.contains("join__") && !names.contains("link__"),
        "{names}"
    );

    // A legal but 40-deep recursive query is refused by the router; a 4-deep one is served.
    let nested = |depth: usize| {
        format!(
            "{{ categories {}{}}}",
            "{ children ".repeat(depth - 1) + "{ slug ",
            "} ".repeat(depth)
        )
    };
    assert_eq!(
        code(&gql(&base, &nested(40), json!({}), None).await),
        "GRAPHQL_VALIDATION_FAILED"
    );
    let four = gql(&base, &nested(4), json!({}), None).await;
    assert!(four.get("errors").is_none(), "{four}");
    assert!(
        four["data"]["categories"]
            .as_array()
            .is_some_and(|c| !c.is_empty())
    );

    // A fresh data directory holds the demo shop: 1,000+ products in 20+ categories, two levels.
    let shop = gql(
        &base,
        "{ products { totalCount } categories { children { products(first: 1) { nodes { variants { attributes { name } } } } } } }",
        json!({}),
        None,
    )
    .await;
    assert!(
        shop["data"]["products"]["totalCount"].as_i64().unwrap() >= 1000,
        "{shop}"
    );
    let roots = shop["data"]["categories"].as_array().unwrap();
    let leaves: usize = roots
        .iter()
        .map(|r| r["children"].as_array().unwrap().len())
        .sum();
    assert!(
        roots.len() + leaves >= 20,
        "{} categories",
        roots.len() + leaves
    );
    assert!(
        shop.to_string().contains("\"Color\""),
        "variants carry attributes"
    );

    // The demo's home page: banners, new arrivals from the catalog's events.
    let started = std::time::Instant::now();
    let home = loop {
        let home = gql(
            &base,
            "{ home { banners { title alt } newArrivals { name } } }",
            json!({}),
            None,
        )
        .await;
        if home["data"]["home"]["newArrivals"]
            .as_array()
            .is_some_and(|a| a.len() == 12)
        {
            break home;
        }
        assert!(started.elapsed() < Duration::from_secs(60), "{home}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    let banners = home["data"]["home"]["banners"].as_array().unwrap();
    assert_eq!(banners.len(), 3, "{home}");
    assert_eq!(banners[0]["title"], "Winter sale");

    // GraphiQL: the page and every script it loads come from the router.
    let page = reqwest::Client::new()
        .get(format!("{base}/graphql"))
        .header("accept", "text/html")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("GraphiQL"));
    let assets: Vec<&str> = page
        .split(['"', '\''])
        .filter(|s| s.starts_with("/graphql/assets/"))
        .collect();
    assert_eq!(assets.len(), 4, "stylesheet and three scripts");
    for src in assets {
        let asset = reqwest::get(format!("{base}{src}")).await.unwrap();
        assert!(asset.status().is_success(), "{src} is served");
        assert!(
            asset.bytes().await.unwrap().len() > 1000,
            "{src} has content"
        );
    }
    assert!(
        !page.contains("http://") && !page.contains("https://"),
        "no external requests"
    );

    // SIGTERM: a graceful stop exits 0.
    let pid = stack.child.id().to_string();
    let killed = Command::new("kill").args(["-TERM", &pid]).status().unwrap();
    assert!(killed.success());
    let deadline = Instant::now() + Duration::from_secs(20);
    let status = loop {
        if let Some(status) = stack.child.try_wait().unwrap() {
            break status;
        }
        assert!(
            Instant::now() < deadline,
            "micromall did not stop on SIGTERM"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert!(status.success(), "exit status {status:?}");
}

/// The router keeps catalog answers for anonymous shoppers as long as catalog's
/// `Cache-Control` allows (five seconds): a rename shows to staff at once, to shoppers once
/// that has passed, and never a signed-in caller's answer to anyone else.
#[tokio::test]
async fn anonymous_shoppers_share_catalog_answers_for_the_seconds_catalog_allows() {
    let stack = common::start_with(&[("MICROMALL_ROUTER_SUBGRAPH_CACHE_BYTES", "8388608")]).await;
    let base = stack.base.clone();
    let admin = common::login(&base, "boss@example.com", "boss password 123").await;
    let mut product = None;
    for _ in 0..100 {
        let page = gql(
            &base,
            "{ products(first: 1) { nodes { id name } } }",
            json!({}),
            None,
        )
        .await;
        if let Some(first) = page["data"]["products"]["nodes"].get(0) {
            product = Some((
                first["id"].as_str().unwrap_or_default().to_owned(),
                first["name"].clone(),
            ));
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let (id, name) = product.expect("the demo shop has products");
    let read = "query($id: ID!) { product(id: $id) { name } }";
    let asked_at = Instant::now();
    let anonymous = gql(&base, read, json!({ "id": id }), None).await;
    assert_eq!(anonymous["data"]["product"]["name"], name);

    let renamed = gql(
        &base,
        "mutation($id: ID!) { updateProduct(id: $id, input: { name: \"Renamed for the cache test\" }) { userErrors { code } } }",
        json!({ "id": id }),
        Some(&admin),
    )
    .await;
    assert_eq!(
        renamed["data"]["updateProduct"]["userErrors"],
        json!([]),
        "{renamed}"
    );

    // Staff see the database; shoppers the answer kept a moment ago.
    let staff = gql(&base, read, json!({ "id": id }), Some(&admin)).await;
    assert_eq!(
        staff["data"]["product"]["name"],
        "Renamed for the cache test"
    );
    let shopper = gql(&base, read, json!({ "id": id }), None).await;
    if asked_at.elapsed() < Duration::from_secs(4) {
        assert_eq!(
            shopper["data"]["product"]["name"], name,
            "served from the router's cache"
        );
    }
    // The staff answer was not kept for shoppers, and within catalog's five seconds (plus
    // a margin) shoppers see the new name.
    let deadline = Instant::now() + Duration::from_secs(8);
    loop {
        let shopper = gql(&base, read, json!({ "id": id }), None).await;
        if shopper["data"]["product"]["name"] == "Renamed for the cache test" {
            break;
        }
        assert!(Instant::now() < deadline, "still {shopper} after 8 s");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert!(
        asked_at.elapsed() >= Duration::from_millis(4500),
        "the new name showed before the kept answer's five seconds were over"
    );
}
