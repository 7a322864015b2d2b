//! Drives the accounts subgraph over real HTTP, on SQLite and (when configured) PostgreSQL.

#![allow(dead_code)]

use std::time::Duration;

use base64::Engine;
use micromall_kit::config::Settings;
use micromall_kit::testing::{
    Backend, GraphqlClient, TestDatabase, TestSubgraph, settings_for, start_subgraph,
};
pub use micromall_kit::testing::{codes as user_error_codes, error_code};
use serde_json::{Value, json};

pub const PASSWORD: &str = "correct horse battery";
pub const ADMIN_EMAIL: &str = "admin@micromall.test";
pub const ADMIN_PASSWORD: &str = "admin password 123";

const REGISTER: &str = "mutation($input: RegisterInput!) { register(input: $input) { user { id email name roles { name } } userErrors { field message code } } }";
const LOGIN: &str = "mutation($input: LoginInput!) { login(input: $input) { accessToken refreshToken expiresAt user { id email } userErrors { field message code } } }";

pub struct Accounts {
    pub subgraph: TestSubgraph,
    pub db: TestDatabase,
    pub client: GraphqlClient,
    /// For requests that are not GraphQL, or not well-formed.
    pub http: reqwest::Client,
}

/// Settings every accounts test shares: a known admin and a fast, small login throttle.
pub fn test_settings(db: &TestDatabase) -> Settings {
    let mut settings = settings_for(db, "accounts");
    settings.accounts.admin_email = Some(ADMIN_EMAIL.into());
    settings.accounts.admin_password = Some(ADMIN_PASSWORD.into());
    settings.accounts.login.account_slow_after = 3;
    settings.accounts.login.account_lock_after = 5;
    settings.accounts.login.address_slow_after = 50;
    settings.accounts.login.address_lock_after = 200;
    settings.accounts.login.base_delay = Duration::from_millis(1);
    settings.accounts.login.max_delay = Duration::from_millis(5);
    // Every test client comes from loopback and some register dozens at once; the tests of
    // those limits set them low again.
    settings.accounts.register_per_address = 10_000;
    settings.accounts.hashing_queue = 1_000;
    settings
}

impl Accounts {
    pub async fn start(backend: Backend) -> Self {
        Self::start_tuned(backend, |_| {}).await
    }

    /// Starts on a new database with the test settings adjusted by `tweak`.
    pub async fn start_tuned(backend: Backend, tweak: impl FnOnce(&mut Settings)) -> Self {
        let db = TestDatabase::create(backend)
            .await
            .expect("database for backend");
        Self::start_with(db, tweak).await
    }

    pub async fn start_with(db: TestDatabase, tweak: impl FnOnce(&mut Settings)) -> Self {
        let mut settings = test_settings(&db);
        tweak(&mut settings);
        let subgraph = start_subgraph(&micromall_accounts::SUBGRAPH, settings).await;
        Self {
            client: subgraph.client(),
            subgraph,
            db,
            http: reqwest::Client::new(),
        }
    }

    /// Stops the subgraph and hands back its database, to start it again on the same data.
    pub async fn stop(self) -> TestDatabase {
        self.subgraph.stop().await;
        self.db
    }

    /// POSTs a GraphQL request; returns the HTTP status and the JSON body.
    pub async fn post(&self, body: &Value, token: Option<&str>) -> (u16, Value) {
        self.client.post(body, token, &[]).await
    }

    pub async fn gql(&self, query: &str, variables: Value, token: Option<&str>) -> Value {
        self.client.gql(query, variables, token).await
    }

    pub async fn register(&self, email: &str, password: &str, name: &str) -> Value {
        self.gql(
            REGISTER,
            json!({ "input": { "email": email, "password": password, "name": name } }),
            None,
        )
        .await
    }

    pub async fn login_raw(&self, email: &str, password: &str) -> Value {
        self.gql(
            LOGIN,
            json!({ "input": { "email": email, "password": password } }),
            None,
        )
        .await
    }

    /// Signs in claiming, through `X-Forwarded-For`, to come from `forwarded_for`: what the
    /// router does for its clients, and what a hostile direct caller would try.
    pub async fn login_from(&self, email: &str, password: &str, forwarded_for: &str) -> Value {
        let body = json!({ "query": LOGIN, "variables": { "input": { "email": email, "password": password } } });
        self.post_from(&body, forwarded_for).await
    }

    /// Registers with an `X-Forwarded-For` header (see `login_from`).
    pub async fn register_from(&self, email: &str, forwarded_for: &str) -> Value {
        let body = json!({ "query": REGISTER, "variables": { "input": { "email": email, "password": PASSWORD, "name": "Flood" } } });
        self.post_from(&body, forwarded_for).await
    }

    async fn post_from(&self, body: &Value, forwarded_for: &str) -> Value {
        let headers = [("x-forwarded-for", forwarded_for)];
        self.client.post(body, None, &headers).await.1
    }

    /// Signs in and returns (access token, refresh token).
    pub async fn login(&self, email: &str, password: &str) -> (String, String) {
        self.client.login(email, password).await
    }

    pub async fn refresh(&self, refresh_token: &str) -> Value {
        self.gql(
            "mutation($t: String!) { refreshToken(refreshToken: $t) { accessToken refreshToken userErrors { code } } }",
            json!({ "t": refresh_token }),
            None,
        )
        .await
    }

    /// Registers a customer and signs them in; returns (user id, access token).
    pub async fn customer(&self, email: &str) -> (String, String) {
        let body = self.register(email, PASSWORD, "Casey Customer").await;
        let id = body["data"]["register"]["user"]["id"]
            .as_str()
            .unwrap_or_else(|| panic!("register failed: {body}"))
            .to_owned();
        (id, self.login(email, PASSWORD).await.0)
    }

    pub async fn admin_token(&self) -> String {
        self.login(ADMIN_EMAIL, ADMIN_PASSWORD).await.0
    }

    /// The id of the role called `name`, as `token` (a `users:manage` holder) sees it.
    pub async fn role_id(&self, token: &str, name: &str) -> Value {
        let roles = self
            .gql("{ roles { id name } }", json!({}), Some(token))
            .await;
        roles["data"]["roles"]
            .as_array()
            .and_then(|roles| roles.iter().find(|r| r["name"] == name))
            .unwrap_or_else(|| panic!("no role {name}: {roles}"))["id"]
            .clone()
    }

    /// The id of the user `token` belongs to.
    pub async fn my_id(&self, token: &str) -> Value {
        let me = self.gql("{ me { id } }", json!({}), Some(token)).await;
        me["data"]["me"]["id"].clone()
    }
}

/// The claims of a JWT, read without verifying (the subgraph verifies).
pub fn claims(token: &str) -> Value {
    let payload = token.split('.').nth(1).expect("JWT payload");
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload)
        .expect("base64url payload");
    serde_json::from_slice(&bytes).expect("JSON claims")
}

pub fn scopes(token: &str) -> Vec<String> {
    claims(token)["scope"]
        .as_str()
        .unwrap_or_default()
        .split_whitespace()
        .map(str::to_owned)
        .collect()
}
