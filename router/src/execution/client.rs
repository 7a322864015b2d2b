//! HTTP to subgraphs: one pooled keep-alive client, a timeout on every call.

use std::time::Duration;

use reqwest::header::{HeaderMap, HeaderValue};
use serde_json::{Map, Value};

#[derive(Clone)]
pub struct SubgraphClient {
    http: reqwest::Client,
}

/// One subgraph call.
pub struct SubgraphRequest<'a> {
    pub url: &'a str,
    pub query: &'a str,
    pub variables: &'a Map<String, Value>,
    /// Headers passed through from the client (authorization, request id, ...).
    pub headers: &'a HeaderMap,
}

#[derive(Debug, thiserror::Error)]
pub enum FetchError {
    #[error("timed out")]
    Timeout,
    #[error("unreachable")]
    Unreachable,
    #[error("answered HTTP {0}")]
    Status(u16),
    #[error("answered with something that is not a GraphQL response")]
    Malformed,
}

/// Largest subgraph response accepted, in bytes.
const MAX_RESPONSE_BYTES: usize = 64 * 1024 * 1024;

impl SubgraphClient {
    pub fn new(timeout: Duration) -> Self {
        let http = reqwest::Client::builder()
            .timeout(timeout)
            .connect_timeout(Duration::from_secs(2))
            .pool_idle_timeout(Duration::from_secs(60))
            .pool_max_idle_per_host(64)
            .tcp_nodelay(true)
            .build()
            .unwrap_or_default();
        Self { http }
    }

    pub async fn send(&self, request: SubgraphRequest<'_>) -> Result<Value, FetchError> {
        #[derive(serde::Serialize)]
        struct Body<'b> {
            query: &'b str,
            variables: &'b Map<String, Value>,
        }
        let body = Body {
            query: request.query,
            variables: request.variables,
        };
        let mut builder = self
            .http
            .post(request.url)
            .header("content-type", HeaderValue::from_static("application/json"))
            .header(
                "accept",
                HeaderValue::from_static("application/graphql-response+json, application/json"),
            )
            .json(&body);
        for (name, value) in request.headers {
            builder = builder.header(name, value);
        }
        let response = builder.send().await.map_err(|e| {
            if e.is_timeout() {
                FetchError::Timeout
            } else {
                FetchError::Unreachable
            }
        })?;
        let status = response.status();
        let bytes = response.bytes().await.map_err(|e| {
            if e.is_timeout() {
                FetchError::Timeout
            } else {
                FetchError::Unreachable
            }
        })?;
        if bytes.len() > MAX_RESPONSE_BYTES {
            return Err(FetchError::Malformed);
        }
        match serde_json::from_slice::<Value>(&bytes) {
            Ok(value)
                if value.is_object()
                    && (value.get("data").is_some() || value.get("errors").is_some()) =>
            {
                Ok(value)
            }
            _ if !status.is_success() => Err(FetchError::Status(status.as_u16())),
            _ => Err(FetchError::Malformed),
        }
    }
}
