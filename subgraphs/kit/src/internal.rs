//! Calls between Micromall services that are not part of the public API.
//!
//! They are JSON over HTTP under `/internal/...` on the owning subgraph's port, carry a
//! service credential made for that subgraph alone, and are never routed by the router (it
//! only forwards `/graphql`).
//! A business refusal (say, not enough stock) is a 409 with `{code, message}`, so callers
//! can turn it into a `UserError`; anything else is the callee being unavailable.

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::Request;
use axum::http::StatusCode;
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::auth::ServiceCredentials;
use crate::config::Settings;
use crate::http::SERVICE_TOKEN_HEADER;
use crate::outcome::{DomainError, DomainRefusal};

const CALL_TIMEOUT: Duration = Duration::from_secs(10);
/// Pauses before asking again when an answer was lost: long enough for a replica that is
/// going away to stop taking connections, short enough to stay inside a client's patience.
const RESEND_AFTER: [Duration; 2] = [Duration::from_millis(50), Duration::from_millis(300)];

/// A proxy's word that the service behind it did not answer.
fn is_gateway_failure(status: reqwest::StatusCode) -> bool {
    matches!(status.as_u16(), 502..=504)
}

/// A business refusal from an internal endpoint, or what a caller received.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Refusal {
    pub code: String,
    pub message: String,
    /// What the refusal is about, e.g. the variant that is out of stock.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subject: Option<String>,
}

impl Refusal {
    pub fn new(code: &str, message: impl Into<String>) -> Self {
        Self {
            code: code.to_owned(),
            message: message.into(),
            subject: None,
        }
    }

    pub fn about(mut self, subject: impl Into<String>) -> Self {
        self.subject = Some(subject.into());
        self
    }
}

/// What an internal handler returns on failure: a refusal (409) or an internal error (500,
/// logged, no detail in the body).
#[derive(Debug)]
pub enum HandlerError {
    Refused(Refusal),
    Internal(anyhow::Error),
}

impl From<Refusal> for HandlerError {
    fn from(r: Refusal) -> Self {
        HandlerError::Refused(r)
    }
}

/// A use case's refusal answers an internal call as a 409 with the same code.
impl<R: DomainRefusal> From<DomainError<R>> for HandlerError {
    fn from(err: DomainError<R>) -> Self {
        match err {
            DomainError::Refused(r) => HandlerError::Refused(Refusal {
                code: r.code().to_owned(),
                message: r.message(),
                subject: r.subject(),
            }),
            DomainError::Failed(err) => HandlerError::Internal(err.into_anyhow()),
        }
    }
}

impl<E: Into<anyhow::Error>> From<E> for HandlerError {
    fn from(err: E) -> Self {
        HandlerError::Internal(err.into())
    }
}

impl IntoResponse for HandlerError {
    fn into_response(self) -> Response {
        match self {
            HandlerError::Refused(refusal) => {
                (StatusCode::CONFLICT, axum::Json(refusal)).into_response()
            }
            HandlerError::Internal(err) => {
                let request_id = crate::http::current_request_id();
                tracing::error!(request_id = %request_id, error = ?err, "internal call failed");
                (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    axum::Json(Refusal::new("INTERNAL", "internal error")),
                )
                    .into_response()
            }
        }
    }
}

pub type HandlerResult<T> = Result<axum::Json<T>, HandlerError>;

/// Puts `routes` of the service `me` behind the service-credential check: only credentials
/// made for `me` pass.
pub fn protect(routes: Router, credentials: ServiceCredentials, me: &'static str) -> Router {
    let credentials = Arc::new(credentials);
    routes.layer(middleware::from_fn(move |request: Request, next: Next| {
        let credentials = credentials.clone();
        async move {
            let caller = request
                .headers()
                .get(SERVICE_TOKEN_HEADER)
                .and_then(|v| v.to_str().ok())
                .and_then(|t| credentials.verify(t, me));
            match caller {
                Some(_) => next.run(request).await,
                None => (
                    StatusCode::UNAUTHORIZED,
                    axum::Json(Refusal::new(
                        "UNAUTHENTICATED",
                        "a service credential is required",
                    )),
                )
                    .into_response(),
            }
        }
    }))
}

/// Why an internal call did not succeed.
#[derive(Debug, thiserror::Error)]
pub enum CallError {
    #[error("{service} refused: {}", .refusal.code)]
    Refused { service: String, refusal: Refusal },
    #[error("{service} is unavailable: {reason}")]
    Unavailable { service: String, reason: String },
}

/// Calls other services' internal endpoints as `caller`.
#[derive(Clone)]
pub struct InternalClient {
    http: reqwest::Client,
    credentials: ServiceCredentials,
    caller: &'static str,
    settings: Arc<Settings>,
}

impl InternalClient {
    pub fn new(
        caller: &'static str,
        credentials: ServiceCredentials,
        settings: Arc<Settings>,
    ) -> Self {
        Self {
            http: crate::http::outgoing_client(CALL_TIMEOUT),
            credentials,
            caller,
            settings,
        }
    }

    /// POSTs `body` to `<service>/internal/<path>` and decodes the answer.
    pub async fn call<Req: Serialize + ?Sized, Resp: DeserializeOwned>(
        &self,
        service: &str,
        path: &str,
        body: &Req,
    ) -> Result<Resp, CallError> {
        let unavailable = |reason: String| CallError::Unavailable {
            service: service.to_owned(),
            reason,
        };
        let base = self
            .settings
            .internal_url(service)
            .ok_or_else(|| unavailable("no URL configured".into()))?;
        let token = self
            .credentials
            .token_for(self.caller, service)
            .map_err(|e| unavailable(e.to_string()))?;
        let url = format!("{base}/internal/{path}");
        let request_id = crate::http::current_request_id();
        // Every internal endpoint is a read or idempotent by its key (contracts.rs), so an
        // answer lost with a replica that went away is asked for again: the service's address
        // leads to another replica.
        let mut attempt = 0;
        let response = loop {
            let mut request = self
                .http
                .post(&url)
                .header(SERVICE_TOKEN_HEADER, &token)
                .json(body);
            if request_id != "-" {
                request = request.header(crate::http::REQUEST_ID_HEADER, &request_id);
            }
            let lost = match request.send().await {
                Ok(response) if !is_gateway_failure(response.status()) => break response,
                Ok(response) => format!("answered {}", response.status()),
                // A callee too slow to answer is not helped by more work.
                Err(e) if e.is_timeout() => return Err(unavailable(e.to_string())),
                Err(e) => e.to_string(),
            };
            attempt += 1;
            if attempt == RESEND_AFTER.len() + 1 {
                return Err(unavailable(lost));
            }
            tracing::debug!(service, path, error = %lost, "asking again");
            tokio::time::sleep(RESEND_AFTER[attempt - 1]).await;
        };
        let status = response.status();
        if status == reqwest::StatusCode::CONFLICT {
            let refusal = response
                .json::<Refusal>()
                .await
                .map_err(|e| unavailable(e.to_string()))?;
            return Err(CallError::Refused {
                service: service.to_owned(),
                refusal,
            });
        }
        if !status.is_success() {
            return Err(unavailable(format!("answered {status}")));
        }
        response
            .json::<Resp>()
            .await
            .map_err(|e| unavailable(format!("unreadable answer: {e}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    /// A service on loopback that answers its connections in turn with `answers`; `None`
    /// takes the request and hangs up, as a replica killed mid-call does.
    async fn service(answers: Vec<Option<&'static str>>) -> (String, Arc<AtomicUsize>) {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let taken = Arc::new(AtomicUsize::new(0));
        let counter = taken.clone();
        tokio::spawn(async move {
            for answer in answers {
                let Ok((mut socket, _)) = listener.accept().await else {
                    return;
                };
                counter.fetch_add(1, Ordering::SeqCst);
                let mut request = [0u8; 4096];
                let _ = socket.read(&mut request).await;
                if let Some(answer) = answer {
                    let _ = socket.write_all(answer.as_bytes()).await;
                }
            }
        });
        (url, taken)
    }

    fn client(url: &str) -> InternalClient {
        let mut settings = Settings::default();
        settings
            .service_urls
            .insert("catalog".into(), url.to_owned());
        let credentials = ServiceCredentials::new(&[7; 32]).expect("a long enough secret");
        InternalClient::new("cart", credentials, Arc::new(settings))
    }

    const OK: &str = "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 11\r\nconnection: close\r\n\r\n{\"ok\":true}";
    const REFUSED: &str = "HTTP/1.1 409 Conflict\r\ncontent-type: application/json\r\ncontent-length: 34\r\nconnection: close\r\n\r\n{\"code\":\"NOPE\",\"message\":\"no\"}    ";

    #[tokio::test]
    async fn an_answer_lost_with_a_replica_is_asked_for_again() {
        let (url, taken) = service(vec![None, Some(OK)]).await;
        let answer: serde_json::Value = client(&url)
            .call("catalog", "variants", &serde_json::json!({}))
            .await
            .expect("the second ask is answered");
        assert_eq!(answer["ok"], true);
        assert_eq!(taken.load(Ordering::SeqCst), 2);
    }

    #[tokio::test]
    async fn a_service_that_keeps_hanging_up_is_unavailable_after_three_asks() {
        let (url, taken) = service(vec![None, None, None, Some(OK)]).await;
        let failed = client(&url)
            .call::<_, serde_json::Value>("catalog", "variants", &serde_json::json!({}))
            .await;
        assert!(
            matches!(failed, Err(CallError::Unavailable { .. })),
            "{failed:?}"
        );
        assert_eq!(taken.load(Ordering::SeqCst), 3);
    }

    #[tokio::test]
    async fn a_refusal_is_an_answer_and_is_not_asked_again() {
        let (url, taken) = service(vec![Some(REFUSED), Some(OK)]).await;
        let refused = client(&url)
            .call::<_, serde_json::Value>("catalog", "variants", &serde_json::json!({}))
            .await;
        match refused {
            Err(CallError::Refused { refusal, .. }) => assert_eq!(refusal.code, "NOPE"),
            other => panic!("expected the refusal, got {other:?}"),
        }
        assert_eq!(taken.load(Ordering::SeqCst), 1);
    }
}
