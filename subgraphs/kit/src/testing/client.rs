//! One client for every crate's `tests/api`: GraphQL and internal calls over real HTTP, the
//! tokens accounts and the platform would issue, and the readings every suite makes.

use std::collections::BTreeSet;
use std::future::Future;
use std::time::Duration;

use serde_json::{Value, json};
use uuid::Uuid;

use crate::auth::Keys;
use crate::config::Settings;
use crate::http::SERVICE_TOKEN_HEADER;

/// GraphQL over HTTP to one endpoint (a subgraph's `/graphql` or the router's).
#[derive(Clone)]
pub struct GraphqlClient {
    http: reqwest::Client,
    url: String,
}

impl GraphqlClient {
    pub fn new(url: impl Into<String>) -> Self {
        Self {
            http: reqwest::Client::new(),
            url: url.into(),
        }
    }

    /// POSTs a request body with optional bearer token and extra headers: (status, body).
    pub async fn post(
        &self,
        body: &Value,
        token: Option<&str>,
        headers: &[(&str, &str)],
    ) -> (u16, Value) {
        let mut request = self.http.post(&self.url).json(body);
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        let response = request.send().await.expect("request");
        let status = response.status().as_u16();
        (status, response.json().await.unwrap_or(Value::Null))
    }

    /// A GraphQL operation; returns the whole response body.
    pub async fn gql(&self, query: &str, variables: Value, token: Option<&str>) -> Value {
        self.post(
            &json!({ "query": query, "variables": variables }),
            token,
            &[],
        )
        .await
        .1
    }

    /// Signs in through the `login` mutation: (access token, refresh token).
    pub async fn login(&self, email: &str, password: &str) -> (String, String) {
        let body = self
            .gql(
                "mutation($i: LoginInput!) { login(input: $i) { accessToken refreshToken userErrors { code } } }",
                json!({ "i": { "email": email, "password": password } }),
                None,
            )
            .await;
        let login = &body["data"]["login"];
        match (
            login["accessToken"].as_str(),
            login["refreshToken"].as_str(),
        ) {
            (Some(access), Some(refresh)) => (access.to_owned(), refresh.to_owned()),
            _ => panic!("login as {email} failed: {body}"),
        }
    }
}

/// POSTs to `<base_url>/internal/<path>` as another service would, with `service_token`
/// when given: (status, body).
pub async fn internal_call(
    base_url: &str,
    path: &str,
    body: &Value,
    service_token: Option<&str>,
) -> (u16, Value) {
    let mut request = reqwest::Client::new()
        .post(format!("{base_url}/internal/{path}"))
        .json(body);
    if let Some(token) = service_token {
        request = request.header(SERVICE_TOKEN_HEADER, token);
    }
    let response = request.send().await.expect("request");
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

/// An access token for a new user with these scopes, signed with the key of the test's data
/// directory as accounts would sign it.
pub fn access_token(settings: &Settings, scopes: &[&str]) -> String {
    new_user(settings, scopes).1
}

/// A new user's id and an access token for them with these scopes (for tests that need to
/// know whose token it is).
pub fn new_user(settings: &Settings, scopes: &[&str]) -> (Uuid, String) {
    let keys = Keys::load(settings, true).expect("keys");
    let scopes: BTreeSet<String> = scopes.iter().map(|s| (*s).to_owned()).collect();
    let id = Uuid::now_v7();
    let token = keys
        .issuer(settings)
        .expect("issuer")
        .issue(id, &scopes)
        .expect("token")
        .token;
    (id, token)
}

/// The credential service `from` presents to service `to`'s internal endpoints.
pub fn service_token(settings: &Settings, from: &str, to: &str) -> String {
    Keys::load(settings, false)
        .expect("keys")
        .service_credentials()
        .token_for(from, to)
        .expect("service token")
}

/// The codes of a payload's `userErrors`, in order.
pub fn codes(payload: &Value) -> Vec<String> {
    payload["userErrors"]
        .as_array()
        .map(|errors| {
            errors
                .iter()
                .map(|e| e["code"].as_str().unwrap_or("").to_owned())
                .collect()
        })
        .unwrap_or_default()
}

/// The code of a response's first top-level error, or `<none>`.
pub fn error_code(body: &Value) -> &str {
    body["errors"][0]["extensions"]["code"]
        .as_str()
        .unwrap_or("<none>")
}

/// Waits until `check` holds, for up to `limit`; whether it did.
pub async fn eventually<F, Fut>(limit: Duration, mut check: F) -> bool
where
    F: FnMut() -> Fut,
    Fut: Future<Output = bool>,
{
    let deadline = tokio::time::Instant::now() + limit;
    loop {
        if check().await {
            return true;
        }
        if tokio::time::Instant::now() >= deadline {
            return false;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}
