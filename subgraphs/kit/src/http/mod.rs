//! HTTP for subgraphs: the GraphQL endpoint, health, request ids, graceful serving.

mod graphql;
mod health;
mod request_id;

use std::net::SocketAddr;

use axum::Router;
use axum::extract::Request;
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

pub use graphql::{GraphqlEndpoint, SERVICE_TOKEN_HEADER, error_body};
pub use health::health_routes;
pub use request_id::{REQUEST_ID_HEADER, current_request_id, with_request_ids};

/// A client for outgoing calls that never hangs: connecting and every whole call have a
/// deadline.
pub fn outgoing_client(timeout: std::time::Duration) -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(timeout)
        .connect_timeout(std::time::Duration::from_secs(2))
        .build()
        // Only TLS back-end initialisation can fail here, and it is compiled in.
        .expect("an HTTP client with timeouts builds")
}

/// `app` without `/internal/*`, for the main port when internal endpoints have their own.
pub fn only_public(app: Router) -> Router {
    app.layer(axum::middleware::from_fn(|request: Request, next: Next| {
        answer_if(!is_internal(request.uri().path()), request, next)
    }))
}

/// Only `/internal/*` (and health) of `app`, for the internal port.
pub fn only_internal(app: Router) -> Router {
    app.layer(axum::middleware::from_fn(|request: Request, next: Next| {
        let path = request.uri().path();
        answer_if(
            is_internal(path) || path.starts_with("/health"),
            request,
            next,
        )
    }))
}

fn is_internal(path: &str) -> bool {
    path == "/internal" || path.starts_with("/internal/")
}

async fn answer_if(allowed: bool, request: Request, next: Next) -> Response {
    if allowed {
        next.run(request).await
    } else {
        StatusCode::NOT_FOUND.into_response()
    }
}

/// Serves `app` until `shutdown`, then stops accepting and lets in-flight requests finish.
pub async fn serve(
    listener: TcpListener,
    app: Router,
    shutdown: CancellationToken,
) -> std::io::Result<()> {
    axum::serve(
        listener,
        app.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(async move { shutdown.cancelled().await })
    .await
}
