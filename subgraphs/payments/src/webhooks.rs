//! `POST /webhooks/payments/<provider>`: providers' callbacks, the other way into payments.
//! A callback must carry a valid signature made within the last five minutes (the provider's
//! adapter checks); then `Payments::apply_callback` decides, and this answers the provider.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use chrono::Utc;
use serde_json::json;

use crate::provider::CallbackError;
use crate::service::{Applied, Payments};

const MAX_BODY: usize = 64 * 1024;

pub fn routes(payments: Arc<Payments>) -> Router {
    Router::new()
        .route("/webhooks/payments/{provider}", post(receive))
        .layer(DefaultBodyLimit::max(MAX_BODY))
        .with_state(payments)
}

fn reply(status: StatusCode, message: &str) -> Response {
    (status, Json(json!({ "error": message }))).into_response()
}

async fn receive(
    State(payments): State<Arc<Payments>>,
    Path(provider): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let Some(adapter) = payments.provider(&provider).cloned() else {
        return reply(StatusCode::NOT_FOUND, "unknown provider");
    };
    let callback = match adapter.verify_callback(&headers, &body, Utc::now()) {
        Ok(callback) => callback,
        Err(err) => {
            tracing::warn!(provider = %provider, error = %err, "payment callback refused");
            let status = match err {
                CallbackError::BadSignature => StatusCode::UNAUTHORIZED,
                CallbackError::Stale | CallbackError::BadBody => StatusCode::BAD_REQUEST,
            };
            return reply(status, &err.to_string());
        }
    };
    match payments.apply_callback(adapter.name(), &callback).await {
        Ok(Applied::Mismatched) => reply(
            StatusCode::UNPROCESSABLE_ENTITY,
            "the callback does not match the payment's charge",
        ),
        Ok(applied) => {
            tracing::info!(provider = %provider, event = %callback.event_id, ?applied, "payment callback");
            Json(json!({ "received": true })).into_response()
        }
        Err(err) => {
            // The provider retries on failure.
            tracing::error!(provider = %provider, error = %err, "payment callback not applied");
            reply(
                StatusCode::INTERNAL_SERVER_ERROR,
                "not applied; retry later",
            )
        }
    }
}
