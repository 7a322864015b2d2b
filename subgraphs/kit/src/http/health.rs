//! `/health` (the process is up) and `/health/ready` (it can serve: the database answers).

use axum::Router;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::get;
use axum::{Json, extract::State};
use sea_orm::DatabaseConnection;
use serde_json::json;

pub fn health_routes(db: DatabaseConnection) -> Router {
    Router::new()
        .route("/health", get(|| async { Json(json!({ "status": "ok" })) }))
        .route("/health/ready", get(ready))
        .with_state(db)
}

async fn ready(State(db): State<DatabaseConnection>) -> impl IntoResponse {
    if crate::db::ping(&db).await {
        (StatusCode::OK, Json(json!({ "status": "ready" })))
    } else {
        (
            StatusCode::SERVICE_UNAVAILABLE,
            Json(json!({ "status": "unavailable", "checks": { "database": "down" } })),
        )
    }
}
