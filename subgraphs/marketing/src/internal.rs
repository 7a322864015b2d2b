//! What cart and checkout ask marketing directly: the discounts on a set of lines, and
//! holding or giving back a coupon's use for an order.

use std::sync::Arc;

use axum::extract::State;
use axum::routing::post;
use axum::{Json, Router};
use micromall_kit::contracts::marketing::{
    Discounts, HOLD, Held, HoldRequest, PRICE, PriceRequest, RELEASE, ReleaseRequest, Released,
};
use micromall_kit::internal::HandlerResult;

use crate::service::Marketing;

pub fn routes(marketing: Arc<Marketing>) -> Router {
    Router::new()
        .route(&format!("/internal/{PRICE}"), post(price))
        .route(&format!("/internal/{HOLD}"), post(hold))
        .route(&format!("/internal/{RELEASE}"), post(release))
        .with_state(marketing)
}

async fn price(
    State(marketing): State<Arc<Marketing>>,
    Json(request): Json<PriceRequest>,
) -> HandlerResult<Discounts> {
    Ok(Json(marketing.price(&request).await?))
}

async fn hold(
    State(marketing): State<Arc<Marketing>>,
    Json(request): Json<HoldRequest>,
) -> HandlerResult<Held> {
    let held = marketing.hold(&request).await?;
    Ok(Json(Held { held }))
}

async fn release(
    State(marketing): State<Arc<Marketing>>,
    Json(request): Json<ReleaseRequest>,
) -> HandlerResult<Released> {
    Ok(Json(marketing.release(request.order_id).await?))
}
