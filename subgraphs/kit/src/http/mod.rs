//! HTTP for subgraphs: the GraphQL endpoint, health, request ids, graceful serving.

mod graphql;
mod health;
mod request_id;

use std::net::SocketAddr;

use axum::Router;
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
