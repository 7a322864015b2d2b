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
