//! Issue 9's attacks on sign-in and service identity, against a real `micromall` process
//! driven as a hostile client would: forging `X-Forwarded-For` through the router,
//! registering the administrator's email first, using a service credential where it does not
//! belong, and reading secrets out of start-up errors and file modes.

mod common;

use common::{Stack, code, gql, login, run_to_exit, start_with};
use serde_json::{Value, json};

const ADMIN: &str = "boss@example.com";
const ADMIN_PASSWORD: &str = "boss password 123";
const PASSWORD: &str = "customer password 1";

async fn register(base: &str, email: &str, password: &str) -> Value {
    gql(
        base,
        "mutation($i: RegisterInput!) { register(input: $i) { user { id } userErrors { code } } }",
        json!({ "i": { "email": email, "password": password, "name": "Someone" } }),
        None,
    )
    .await
}

async fn login_raw(base: &str, email: &str, password: &str, forwarded_for: Option<&str>) -> Value {
    let mut request = reqwest::Client::new()
        .post(format!("{base}/graphql"))
        .json(&json!({
            "query": "mutation($i: LoginInput!) { login(input: $i) { accessToken userErrors { code } } }",
            "variables": { "i": { "email": email, "password": password } },
        }));
    if let Some(forwarded_for) = forwarded_for {
        request = request.header("x-forwarded-for", forwarded_for);
    }
    request.send().await.unwrap().json().await.unwrap()
}

/// `INVALID_CREDENTIALS`, `RATE_LIMITED`, … for a login answer.
fn login_outcome(body: &Value) -> String {
    body["data"]["login"]["userErrors"][0]["code"]
        .as_str()
        .unwrap_or_else(|| code(body))
        .to_owned()
}

fn unique_email(tag: &str) -> String {
    format!("{tag}-{}@example.com", uuid::Uuid::now_v7().simple())
}

/// Item 7: with the address limit at 3, a client that is locked out sends a new forged
/// `X-Forwarded-For` with every attempt. The router is the edge (no trusted proxies before
/// it), so the address is the connection's, whatever the header says.
#[tokio::test]
async fn a_locked_client_cannot_escape_by_forging_forwarded_for() {
    let stack = start_with(&[
        ("MICROMALL_DEMO_DATA", "0"),
        ("MICROMALL_LOGIN_ADDRESS_LOCK_AFTER", "3"),
        ("MICROMALL_LOGIN_ACCOUNT_LOCK_AFTER", "100"),
    ])
    .await;
    let mut outcomes = Vec::new();
    for n in 0..6 {
        let forged = format!("203.0.113.{n}, 198.51.100.{n}");
        let body = login_raw(
            &stack.base,
            &unique_email("sprayed"),
            "wrong password!",
            Some(&forged),
        )
        .await;
        outcomes.push(login_outcome(&body));
    }
    assert_eq!(
        outcomes,
        [
            "INVALID_CREDENTIALS",
            "INVALID_CREDENTIALS",
            "INVALID_CREDENTIALS",
            "RATE_LIMITED",
            "RATE_LIMITED",
            "RATE_LIMITED"
        ]
    );
}

/// Behind a load balancer the router is told to trust, the client is the address the
/// balancer appended (the rightmost), not what the client wrote before it, and one
/// client's lock is not its neighbour's.
#[tokio::test]
async fn behind_a_trusted_load_balancer_each_client_has_its_own_lock() {
    let stack = start_with(&[
        ("MICROMALL_DEMO_DATA", "0"),
        ("MICROMALL_ROUTER_TRUSTED_PROXIES", "127.0.0.1"),
        ("MICROMALL_LOGIN_ADDRESS_LOCK_AFTER", "3"),
        ("MICROMALL_LOGIN_ACCOUNT_LOCK_AFTER", "100"),
    ])
    .await;
    let attempt = |chain: String| {
        let base = stack.base.clone();
        async move {
            login_outcome(
                &login_raw(&base, &unique_email("lb"), "wrong password!", Some(&chain)).await,
            )
        }
    };
    let mut outcomes = Vec::new();
    for n in 0..4 {
        // A forged first entry, then the address the balancer saw.
        outcomes.push(attempt(format!("198.51.100.{n}, 203.0.113.10")).await);
    }
    assert_eq!(
        outcomes,
        [
            "INVALID_CREDENTIALS",
            "INVALID_CREDENTIALS",
            "INVALID_CREDENTIALS",
            "RATE_LIMITED"
        ]
    );
    assert_eq!(attempt("203.0.113.11".into()).await, "INVALID_CREDENTIALS");
}

/// Item 6: Mallory registers `admin@example.test` with her password; then the operator
/// starts with `MICROMALL_ADMIN_EMAIL=admin@example.test` and theirs. The process refuses to
/// start and says why; Mallory's account stays a customer.
#[tokio::test]
async fn registering_the_admin_email_first_gains_nothing() {
    let mut stack = start_with(&[("MICROMALL_DEMO_DATA", "0")]).await;
    let registered = register(&stack.base, "admin@example.test", "mallory was here 1").await;
    assert!(
        registered["data"]["register"]["user"]["id"].is_string(),
        "{registered}"
    );

    let (started, output) = stack.run_to_exit_with(&[
        ("MICROMALL_ADMIN_EMAIL", "admin@example.test"),
        ("MICROMALL_ADMIN_PASSWORD", "operator secret 42"),
    ]);
    assert!(!started, "micromall must refuse to start: {output}");
    assert!(
        output.contains("MICROMALL_ADMIN_EMAIL") && output.contains("does not match"),
        "{output}"
    );
    assert!(!output.contains("operator secret 42"), "{output}");

    stack.restart_without(&[]).await;
    let mallory = login(&stack.base, "admin@example.test", "mallory was here 1").await;
    let me = gql(
        &stack.base,
        "{ me { roles { name } } }",
        json!({}),
        Some(&mallory),
    )
    .await;
    assert_eq!(
        me["data"]["me"]["roles"],
        json!([{ "name": "customer" }]),
        "{me}"
    );
    let users = gql(
        &stack.base,
        "{ users { totalCount } }",
        json!({}),
        Some(&mallory),
    )
    .await;
    assert_eq!(code(&users), "FORBIDDEN", "{users}");
}

/// A paid order of a customer of its own, for the service-credential test.
async fn paid_order(stack: &Stack) -> (String, String) {
    let admin = login(&stack.base, ADMIN, ADMIN_PASSWORD).await;
    let created = gql(
        &stack.base,
        "mutation($i: CreateProductInput!) { createProduct(input: $i) { product { variants { id } } } }",
        json!({ "i": {
            "name": "Brass lamp", "description": "for the service credential test",
            "variants": [{ "sku": format!("SKU-{}", uuid::Uuid::now_v7().simple()), "name": "Standard", "price": "40.00" }]
        }}),
        Some(&admin),
    )
    .await;
    let variant = created["data"]["createProduct"]["product"]["variants"][0]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("createProduct: {created}"))
        .to_owned();
    gql(
        &stack.base,
        "mutation($v: ID!) { setStock(variantId: $v, quantity: 5) { userErrors { code } } }",
        json!({ "v": variant }),
        Some(&admin),
    )
    .await;
    let email = unique_email("victim");
    register(&stack.base, &email, PASSWORD).await;
    let victim = login(&stack.base, &email, PASSWORD).await;
    gql(
        &stack.base,
        "mutation($v: ID!) { addToCart(variantId: $v, quantity: 1) { userErrors { code } } }",
        json!({ "v": variant }),
        Some(&victim),
    )
    .await;
    let checkout = gql(
        &stack.base,
        "mutation($i: CheckoutInput!) { checkout(input: $i) { order { id } userErrors { code } } }",
        json!({ "i": { "idempotencyKey": "victim-1", "shippingAddress": {
            "name": "Vic Tim", "line1": "1 Quiet Lane", "city": "Leeds", "postalCode": "LS1 1AA", "country": "GB"
        }}}),
        Some(&victim),
    )
    .await;
    let order = checkout["data"]["checkout"]["order"]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("checkout: {checkout}"))
        .to_owned();
    let paid = gql(
        &stack.base,
        "mutation($i: PayOrderInput!) { payOrder(input: $i) { payment { id } userErrors { code } } }",
        json!({ "i": { "orderId": order, "provider": "sandbox", "paymentMethodToken": "sandbox_ok", "idempotencyKey": "victim-pay" } }),
        Some(&victim),
    )
    .await;
    let payment = paid["data"]["payOrder"]["payment"]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("payOrder: {paid}"))
        .to_owned();
    (order, payment)
}

async fn post_with_service_token(url: &str, token: &str, body: &Value) -> (u16, Value) {
    let response = reqwest::Client::new()
        .post(url)
        .header("micromall-service-token", token)
        .json(body)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

/// Item 9: a genuine service credential, as payments holds one, used where it does not
/// belong: on `/graphql` (directly on orders and payments, and through the router) it reads
/// nothing an anonymous caller could not; on `/internal` it opens only the service it was
/// made for.
#[tokio::test]
async fn a_service_credential_opens_only_the_internal_door_it_was_made_for() {
    let stack = start_with(&[("MICROMALL_DEMO_DATA", "0")]).await;
    let (order, payment) = paid_order(&stack).await;
    let settings = micromall_kit::config::Settings {
        data_dir: stack.data_dir.clone(),
        ..Default::default()
    };
    let credentials = micromall_kit::auth::Keys::load(&settings, false)
        .expect("the stack's keys")
        .service_credentials();
    let for_orders = credentials.token_for("payments", "orders").unwrap();

    let (orders, payments) = (stack.subgraph(5), stack.subgraph(6));
    for url in [
        format!("{orders}/graphql"),
        format!("{}/graphql", stack.base),
    ] {
        let (_, body) = post_with_service_token(
            &url,
            &for_orders,
            &json!({ "query": "query($id: ID!) { order(id: $id) { id } }", "variables": { "id": order } }),
        )
        .await;
        assert_eq!(body["data"]["order"], Value::Null, "{url}: {body}");
        let (_, body) = post_with_service_token(
            &url,
            &for_orders,
            &json!({ "query": "{ orders { totalCount } }" }),
        )
        .await;
        assert_eq!(code(&body), "UNAUTHENTICATED", "{url}: {body}");
    }
    let (_, body) = post_with_service_token(
        &format!("{payments}/graphql"),
        &for_orders,
        &json!({ "query": "query($id: ID!) { payment(id: $id) { id } }", "variables": { "id": payment } }),
    )
    .await;
    assert_eq!(body["data"]["payment"], Value::Null, "{body}");

    // On /internal: orders answers a credential made for it, not one made for inventory.
    let ask = json!({ "orderId": order });
    let (status, facts) =
        post_with_service_token(&format!("{orders}/internal/order"), &for_orders, &ask).await;
    assert_eq!((status, &facts["id"]), (200, &json!(order)), "{facts}");
    let for_inventory = credentials.token_for("payments", "inventory").unwrap();
    let (status, refusal) =
        post_with_service_token(&format!("{orders}/internal/order"), &for_inventory, &ask).await;
    assert_eq!((status, &refusal["code"]), (401, &json!("UNAUTHENTICATED")));
}

/// Item 9: a service secret short enough to guess stops start-up, saying which setting and
/// how long it must be, without repeating it.
#[test]
fn a_short_service_secret_stops_start_up() {
    let (started, output) = run_to_exit(
        &["subgraph", "accounts"],
        &[("MICROMALL_SERVICE_SECRET", "letmein1")],
    );
    assert!(!started, "{output}");
    assert!(output.contains("MICROMALL_SERVICE_SECRET"), "{output}");
    assert!(output.contains("at least 32"), "{output}");
    assert!(!output.contains("letmein1"), "{output}");
}

/// A port nothing listens on.
fn closed_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Item 15: servers that cannot be reached at start-up are named in the error, without the
/// credentials in their URLs.
#[test]
fn start_up_errors_name_servers_without_their_credentials() {
    let port = closed_port();
    for (variable, url, secret) in [
        (
            "NATS_URL",
            format!("nats://mm:natsSecret77@127.0.0.1:{port}"),
            "natsSecret77",
        ),
        (
            "NATS_URL",
            format!("nats://natsToken77@127.0.0.1:{port}"),
            "natsToken77",
        ),
        (
            "REDIS_URL",
            format!("redis://:redisSecret77@127.0.0.1:{port}"),
            "redisSecret77",
        ),
        (
            "DATABASE_URL",
            format!("postgres://mm:pgSecret77@127.0.0.1:{port}/shop"),
            "pgSecret77",
        ),
    ] {
        let (started, output) = run_to_exit(&["subgraph", "accounts"], &[(variable, &url)]);
        assert!(!started, "{variable}: {output}");
        assert!(
            output.contains(&format!("127.0.0.1:{port}")),
            "{variable}: the server is named: {output}"
        );
        assert!(!output.contains(secret), "{variable} leaked: {output}");
    }
}

/// Item 15: what the embedded mode keeps on disk (password hashes, tokens, keys) is the
/// owner's alone.
#[cfg(unix)]
#[tokio::test]
async fn the_data_directory_is_private_to_its_owner() {
    use std::os::unix::fs::PermissionsExt;
    let stack = start_with(&[("MICROMALL_DEMO_DATA", "0")]).await;
    register(&stack.base, &unique_email("disk"), PASSWORD).await;
    let mode =
        |path: &std::path::Path| std::fs::metadata(path).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&stack.data_dir), 0o700);
    let mut checked = Vec::new();
    for dir in [stack.data_dir.clone(), stack.data_dir.join("secrets")] {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            if path.is_file() && (name.contains(".db") || dir.ends_with("secrets")) {
                assert_eq!(mode(&path), 0o600, "{}", path.display());
                checked.push(name);
            }
        }
    }
    for expected in [
        "accounts.db",
        "accounts.db-wal",
        "accounts.db-shm",
        "service.key",
    ] {
        assert!(
            checked.iter().any(|n| n == expected),
            "{expected} in {checked:?}"
        );
    }
}
