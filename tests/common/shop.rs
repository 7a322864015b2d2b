//! A running shop through the router for end-to-end tests: the `micromall` process on one
//! backend (the embedded stack, or PostgreSQL + NATS + Redis when `MICROMALL_TEST_*` are
//! set), an admin signed in, and the calls a storefront makes.

use std::time::{Duration, Instant};

use micromall_kit::testing::{Backend, TestDatabase};
use serde_json::{Value, json};

use super::{Stack, gql, start_with};

pub const ADMIN: &str = "boss@example.com";
pub const ADMIN_PASSWORD: &str = "boss password 123";
pub const PASSWORD: &str = "customer password 1";
pub const SANDBOX_SECRET: &str = "test-sandbox-secret";
/// Subgraphs with a database, for the PostgreSQL variant.
const DATABASES: [&str; 11] = [
    "accounts",
    "catalog",
    "search",
    "inventory",
    "cart",
    "orders",
    "payments",
    "shipping",
    "reviews",
    "marketing",
    "insights",
];

/// A product of one variant.
pub struct Item {
    pub product: String,
    pub variant: String,
}

/// A running shop on one backend, with an admin signed in.
pub struct Shop {
    pub stack: Stack,
    pub admin: String,
    _databases: Vec<TestDatabase>,
}

impl Shop {
    pub async fn start(backend: Backend, extra: &[(&str, &str)]) -> Shop {
        let mut env: Vec<(String, String)> = vec![
            ("MICROMALL_DEMO_DATA".into(), "0".into()),
            ("MICROMALL_SANDBOX_SECRET".into(), SANDBOX_SECRET.into()),
        ];
        let mut databases = Vec::new();
        if backend == Backend::Postgres {
            for name in DATABASES {
                let db = TestDatabase::create(Backend::Postgres)
                    .await
                    .expect("MICROMALL_TEST_POSTGRES_URL is set");
                env.push((
                    format!("MICROMALL_{}_DATABASE_URL", name.to_uppercase()),
                    db.url.clone(),
                ));
                databases.push(db);
            }
            if let Ok(url) = std::env::var("MICROMALL_TEST_NATS_URL") {
                env.push(("NATS_URL".into(), url));
                env.push((
                    "MICROMALL_NATS_PREFIX".into(),
                    format!("t{}", uuid::Uuid::now_v7().simple()),
                ));
            }
            if let Ok(url) = std::env::var("MICROMALL_TEST_REDIS_URL") {
                env.push(("REDIS_URL".into(), url));
            }
        }
        env.extend(
            extra
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned())),
        );
        let pairs: Vec<(&str, &str)> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        let stack = start_with(&pairs).await;
        let admin = login(&stack.base, ADMIN, ADMIN_PASSWORD).await;
        Shop {
            stack,
            admin,
            _databases: databases,
        }
    }

    pub fn base(&self) -> &str {
        &self.stack.base
    }

    pub async fn gql(&self, query: &str, variables: Value, token: &str) -> Value {
        gql(self.base(), query, variables, Some(token)).await
    }

    /// A product with one variant at `price`, with `stock` on hand.
    pub async fn product(&self, name: &str, price: &str, stock: i64) -> Item {
        self.product_in(name, price, stock, None).await
    }

    /// A category (under `parent`); its id.
    pub async fn category(&self, name: &str, parent: Option<&str>) -> String {
        let created = self
            .gql(
                "mutation($i: CreateCategoryInput!) { createCategory(input: $i) { category { id } userErrors { code } } }",
                json!({ "i": { "name": name, "slug": format!("{}-{}", name.to_lowercase(), uuid::Uuid::now_v7().simple()), "parentId": parent } }),
                &self.admin,
            )
            .await;
        created["data"]["createCategory"]["category"]["id"]
            .as_str()
            .unwrap_or_else(|| panic!("createCategory failed: {created}"))
            .to_owned()
    }

    /// Like `product`, in `category`.
    pub async fn product_in(
        &self,
        name: &str,
        price: &str,
        stock: i64,
        category: Option<&str>,
    ) -> Item {
        let created = self
            .gql(
                "mutation($i: CreateProductInput!) {
                   createProduct(input: $i) { product { id variants { id } } userErrors { code } }
                 }",
                json!({ "i": {
                    "name": name,
                    "categoryId": category,
                    "description": "for the checkout tests",
                    "variants": [{ "sku": format!("SKU-{}", uuid::Uuid::now_v7().simple()), "name": "Standard", "price": price }]
                }}),
                &self.admin,
            )
            .await;
        let variant = created["data"]["createProduct"]["product"]["variants"][0]["id"]
            .as_str()
            .unwrap_or_else(|| panic!("createProduct failed: {created}"))
            .to_owned();
        let stocked = self
            .gql(
                "mutation($v: ID!, $q: Int!) {
                   setStock(variantId: $v, quantity: $q) { variant { stock { available } } userErrors { code } }
                 }",
                json!({ "v": variant, "q": stock }),
                &self.admin,
            )
            .await;
        assert_eq!(
            stocked["data"]["setStock"]["variant"]["stock"]["available"], stock,
            "{stocked}"
        );
        Item {
            product: created["data"]["createProduct"]["product"]["id"]
                .as_str()
                .unwrap()
                .to_owned(),
            variant,
        }
    }

    /// What the shop shows as available for an item (through the router).
    pub async fn available(&self, item: &Item) -> i64 {
        let body = gql(
            self.base(),
            "query($id: ID!) { product(id: $id) { variants { id stock { available inStock } } } }",
            json!({ "id": item.product }),
            None,
        )
        .await;
        let stock = &body["data"]["product"]["variants"][0]["stock"];
        assert_eq!(
            body["data"]["product"]["variants"][0]["id"], item.variant,
            "{body}"
        );
        let available = stock["available"]
            .as_i64()
            .unwrap_or_else(|| panic!("no stock: {body}"));
        assert_eq!(stock["inStock"], available > 0);
        available
    }

    pub async fn eventually_available(&self, item: &Item, expected: i64) {
        let started = Instant::now();
        loop {
            let now = self.available(item).await;
            if now == expected {
                return;
            }
            assert!(
                started.elapsed() < Duration::from_secs(15),
                "available stayed {now}, expected {expected}"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// A new customer, signed in.
    pub async fn customer(&self, tag: &str) -> String {
        let email = format!("{tag}-{}@example.com", uuid::Uuid::now_v7().simple());
        let registered = gql(
            self.base(),
            "mutation($i: RegisterInput!) { register(input: $i) { user { id } userErrors { code } } }",
            json!({ "i": { "email": email, "password": PASSWORD, "name": tag } }),
            None,
        )
        .await;
        assert!(
            registered["data"]["register"]["user"]["id"].is_string(),
            "{registered}"
        );
        login(self.base(), &email, PASSWORD).await
    }

    pub async fn add_to_cart(&self, token: &str, variant: &str, quantity: i64) -> Value {
        self.gql(
            "mutation($v: ID!, $q: Int!) {
               addToCart(variantId: $v, quantity: $q) { cart { itemCount } userErrors { code } }
             }",
            json!({ "v": variant, "q": quantity }),
            token,
        )
        .await
    }

    pub async fn checkout(&self, token: &str, key: &str) -> Value {
        let body = self
            .gql(
                "mutation($i: CheckoutInput!) {
                   checkout(input: $i) {
                     order { id number status total { amount } lines { sku quantity unitPrice { amount } } }
                     userErrors { code field message }
                   }
                 }",
                json!({ "i": { "idempotencyKey": key, "shippingAddress": address() } }),
                token,
            )
            .await;
        assert!(body.get("errors").is_none(), "{body}");
        body["data"]["checkout"].clone()
    }

    pub async fn pay(&self, token: &str, order: &str, method: &str, key: &str) -> Value {
        let body = self
            .gql(
                "mutation($i: PayOrderInput!) {
                   payOrder(input: $i) { payment { id status providerReference amount { amount } } userErrors { code } }
                 }",
                json!({ "i": { "orderId": order, "provider": "sandbox", "paymentMethodToken": method, "idempotencyKey": key } }),
                token,
            )
            .await;
        assert!(body.get("errors").is_none(), "{body}");
        body["data"]["payOrder"].clone()
    }

    pub async fn order(&self, token: &str, id: &str) -> Value {
        let body = self
            .gql(
                "query($id: ID!) {
                   order(id: $id) {
                     id status
                     payments { id status providerReference amount { amount } refundedAmount { amount } failureReason }
                     statusHistory { from to cause }
                   }
                 }",
                json!({ "id": id }),
                token,
            )
            .await;
        assert!(body.get("errors").is_none(), "{body}");
        body["data"]["order"].clone()
    }

    /// Polls the order until `check` holds: payments and events are asynchronous.
    pub async fn eventually(&self, token: &str, id: &str, check: impl Fn(&Value) -> bool) -> Value {
        let started = Instant::now();
        loop {
            let order = self.order(token, id).await;
            if check(&order) {
                return order;
            }
            assert!(
                started.elapsed() < Duration::from_secs(20),
                "the order never got there: {order}"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// The payment sandbox's own address (not through any proxy).
    pub fn sandbox_url(&self) -> String {
        format!("http://127.0.0.1:{}", self.stack.port_base + 12)
    }

    /// The sandbox processor's own record of a charge.
    pub async fn charge_record(&self, charge: &str) -> Value {
        reqwest::Client::new()
            .get(format!("{}/v1/charges/{charge}", self.sandbox_url()))
            .bearer_auth(SANDBOX_SECRET)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    }

    /// `refundPayment` by the admin.
    pub async fn refund(&self, payment: &str, amount: &str, key: &str) -> Value {
        self.gql(
            "mutation($i: RefundInput!) {
               refundPayment(input: $i) { payment { status refundedAmount { amount } } userErrors { code } }
             }",
            json!({ "i": { "paymentId": payment, "amount": amount, "idempotencyKey": key } }),
            &self.admin,
        )
        .await
    }

    /// Posts a callback to payments as a processor would, signed with `secret` at `at`.
    pub async fn callback(&self, body: &Value, secret: &str, at: i64) -> reqwest::StatusCode {
        let raw = serde_json::to_vec(body).unwrap();
        let signature = micromall_payments::sandbox::signature::sign(secret.as_bytes(), at, &raw);
        reqwest::Client::new()
            .post(format!(
                "{}/webhooks/payments/sandbox",
                self.stack.subgraph(6)
            ))
            .header("micromall-signature", signature)
            .header("content-type", "application/json")
            .body(raw)
            .send()
            .await
            .unwrap()
            .status()
    }
}

pub async fn login(base: &str, email: &str, password: &str) -> String {
    let body = gql(
        base,
        "mutation($i: LoginInput!) { login(input: $i) { accessToken userErrors { code } } }",
        json!({ "i": { "email": email, "password": password } }),
        None,
    )
    .await;
    body["data"]["login"]["accessToken"]
        .as_str()
        .unwrap_or_else(|| panic!("login failed: {body}"))
        .to_owned()
}

pub fn address() -> Value {
    json!({
        "name": "Ada Lovelace", "line1": "12 Analytical St", "city": "London",
        "postalCode": "N1 9GU", "country": "GB"
    })
}
