//! HTTP to subgraphs: one pooled keep-alive client, a timeout on every call, spread over a
//! subgraph's replicas. A call that could not reach a replica goes to the next one; a query
//! also when it reached one that failed to answer (asking twice changes nothing), a mutation
//! never then (the first replica may have done it).

use std::time::Duration;

use reqwest::header::{HeaderMap, HeaderValue};
use serde_json::{Map, Value};

use super::replicas::Replicas;

/// Idle connections kept per subgraph origin.
const MAX_IDLE_PER_ORIGIN: usize = 1024;

#[derive(Clone)]
pub struct SubgraphClient {
    http: reqwest::Client,
    /// Largest response read; a larger one is dropped as soon as it grows past this.
    max_response_bytes: usize,
}

/// One subgraph call.
pub struct SubgraphRequest<'a> {
    pub replicas: &'a Replicas,
    /// Whether the call may be repeated on another replica after one failed to answer it
    /// (queries; not mutations).
    pub repeatable: bool,
    pub query: &'a str,
    pub variables: &'a Map<String, Value>,
    /// Headers passed through from the client (authorization, request id, ...).
    pub headers: &'a HeaderMap,
}

/// A subgraph's GraphQL response, with the headers it came with.
pub struct Answer {
    pub body: Value,
    pub headers: HeaderMap,
}

#[derive(Debug, Clone, thiserror::Error)]
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
            // Every connection a busy moment opened stays for the next one: with fewer kept
            // than are in flight under load, the rest were closed and opened again per call.
            .pool_max_idle_per_host(MAX_IDLE_PER_ORIGIN)
            .tcp_nodelay(true)
            .build()
            .unwrap_or_default();
        Self {
            http,
            max_response_bytes,
        }
    }

    pub async fn send(&self, request: SubgraphRequest<'_>) -> Result<Answer, FetchError> {
        let mut last = FetchError::Unreachable;
        let mut repeated = false;
        for replica in request.replicas.order() {
            match self.send_to(&replica.url, &request).await {
                Ok(response) => return Ok(response),
                Err((error, reached)) => {
                    if error.means_replica_down() {
                        replica.take_out(&self.http);
                    }
                    last = error;
                    if reached {
                        // Once more at most: a query that times out twice is not answered faster
                        // by waiting a third time.
                        // Another replica may answer where this one is down, not where it
                        // refused the request itself.
                        if !request.repeatable || repeated || !last.means_replica_down() {
                            break;
                        }
                        repeated = true;
                    }
                }
            }
        }
        Err(last)
    }

    /// One attempt on one replica; on failure, whether the request reached it.
    async fn send_to(
        &self,
        url: &str,
        request: &SubgraphRequest<'_>,
    ) -> Result<Answer, (FetchError, bool)> {
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
            .post(url)
            .header("content-type", HeaderValue::from_static("application/json"))
            .header(
                "accept",
                HeaderValue::from_static("application/graphql-response+json, application/json"),
            )
            .json(&body);
        for (name, value) in request.headers {
            builder = builder.header(name, value);
        }
        let response = builder
            .send()
            .await
            .map_err(|e| (transport_error(&e), !e.is_connect()))?;
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = self.read_capped(response).await.map_err(|e| (e, true))?;
        match serde_json::from_slice::<Value>(&bytes) {
            Ok(body)
                if body.is_object()
                    && (body.get("data").is_some() || body.get("errors").is_some()) =>
            {
                Ok(Answer { body, headers })
            }
            _ if !status.is_success() => Err((FetchError::Status(status.as_u16()), true)),
            _ => Err((FetchError::Malformed, true)),
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
        while let Some(chunk) = response.chunk().await.map_err(|e| transport_error(&e))? {
            if body.len() + chunk.len() > cap {
                return Err(FetchError::TooLarge(cap));
            }
            body.extend_from_slice(&chunk);
        }
        Ok(body)
    }
}

impl FetchError {
    /// Whether the replica looks gone (not answering, or saying it cannot serve): it leaves
    /// the rotation until its health endpoint answers.
    fn means_replica_down(&self) -> bool {
        matches!(
            self,
            FetchError::Timeout | FetchError::Unreachable | FetchError::Status(502..=504)
        )
    }
}

fn transport_error(error: &reqwest::Error) -> FetchError {
    if error.is_timeout() {
        FetchError::Timeout
    } else {
        FetchError::Unreachable
    }
}
