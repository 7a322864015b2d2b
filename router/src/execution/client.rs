//! HTTP to subgraphs: one pooled keep-alive client, a timeout on every call.

use std::time::Duration;

use reqwest::header::{HeaderMap, HeaderValue};
use serde_json::{Map, Value};

#[derive(Clone)]
pub struct SubgraphClient {
    http: reqwest::Client,
    /// Largest response read; a larger one is dropped as soon as it grows past this.
    max_response_bytes: usize,
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
    #[error("answered with more than {0} bytes")]
    TooLarge(usize),
}

impl SubgraphClient {
    pub fn new(timeout: Duration, max_response_bytes: usize) -> Self {
        let http = reqwest::Client::builder()
            .timeout(timeout)
            .connect_timeout(Duration::from_secs(2))
            .pool_idle_timeout(Duration::from_secs(60))
            .pool_max_idle_per_host(64)
            .tcp_nodelay(true)
            .build()
            .unwrap_or_default();
        Self {
            http,
            max_response_bytes,
        }
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
        let response = builder.send().await.map_err(transport_error)?;
        let status = response.status();
        let bytes = self.read_capped(response).await?;
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

impl SubgraphClient {
    /// Reads the body chunk by chunk, giving up as soon as it passes the cap: a subgraph
    /// answering gigabytes must not make the router hold them.
    async fn read_capped(&self, mut response: reqwest::Response) -> Result<Vec<u8>, FetchError> {
        let cap = self.max_response_bytes;
        if response
            .content_length()
            .is_some_and(|announced| announced > cap as u64)
        {
            return Err(FetchError::TooLarge(cap));
        }
        let mut body =
            Vec::with_capacity(response.content_length().map_or(0, |n| n as usize).min(cap));
        while let Some(chunk) = response.chunk().await.map_err(transport_error)? {
            if body.len() + chunk.len() > cap {
                return Err(FetchError::TooLarge(cap));
            }
            body.extend_from_slice(&chunk);
        }
        Ok(body)
    }
}

fn transport_error(error: reqwest::Error) -> FetchError {
    if error.is_timeout() {
        FetchError::Timeout
    } else {
        FetchError::Unreachable
    }
}
