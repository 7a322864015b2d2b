//! `POST /webhooks/carriers/<carrier>`: carriers' tracking callbacks. A callback must carry a
//! valid signature made within the last five minutes (the carrier's adapter checks); then
//! `Shipping::apply_scan` records it once, and this answers the carrier.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use chrono::Utc;
use serde_json::json;

use crate::carrier::CallbackError;
use crate::service::{Applied, Shipping};

const MAX_BODY: usize = 16 * 1024;

pub fn routes(shipping: Arc<Shipping>) -> Router {
    Router::new()
        .route("/webhooks/carriers/{carrier}", post(receive))
        .layer(DefaultBodyLimit::max(MAX_BODY))
        .with_state(shipping)
}

fn reply(status: StatusCode, message: &str) -> Response {
    (status, Json(json!({ "error": message }))).into_response()
}

async fn receive(
    State(shipping): State<Arc<Shipping>>,
    Path(carrier): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let Some(adapter) = shipping.carrier(&carrier).cloned() else {
        return reply(StatusCode::NOT_FOUND, "unknown carrier");
    };
    let scan = match adapter.verify_callback(&headers, &body, Utc::now()) {
        Ok(scan) => scan,
        Err(err) => {
            tracing::warn!(carrier = %carrier, error = %err, "carrier callback refused");
            let status = match err {
                CallbackError::Signature(micromall_kit::webhook::SignatureError::BadSignature) => {
                    StatusCode::UNAUTHORIZED
                }
                _ => StatusCode::BAD_REQUEST,
            };
            return reply(status, &err.to_string());
        }
    };
    match shipping.apply_scan(adapter.name(), &scan).await {
        Ok(Applied::UnknownShipment) => reply(StatusCode::NOT_FOUND, "unknown tracking number"),
        // The shipment is being confirmed: a retry a moment later lands.
        Ok(Applied::NotYetConfirmed) => reply(StatusCode::CONFLICT, "not ready; retry later"),
        Ok(applied) => {
            tracing::info!(carrier = %carrier, event = %scan.event_id, ?applied, "carrier callback");
            Json(json!({ "received": true })).into_response()
        }
        Err(err) => {
            tracing::error!(carrier = %carrier, error = %err, "carrier callback not applied");
            reply(
                StatusCode::INTERNAL_SERVER_ERROR,
                "not applied; retry later",
            )
        }
    }
}
