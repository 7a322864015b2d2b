//! What checkout asks shipping directly: what delivery to an address costs.

use std::sync::Arc;

use axum::extract::State;
use axum::routing::post;
use axum::{Json, Router};
use micromall_kit::contracts::shipping::{QUOTE, Quote, QuoteRequest};
use micromall_kit::internal::HandlerResult;

use crate::service::Shipping;

pub fn routes(shipping: Arc<Shipping>) -> Router {
    Router::new()
        .route(&format!("/internal/{QUOTE}"), post(quote))
        .with_state(shipping)
}

async fn quote(
    State(shipping): State<Arc<Shipping>>,
    Json(request): Json<QuoteRequest>,
) -> HandlerResult<Quote> {
    Ok(Json(shipping.quote(&request).await?))
}
