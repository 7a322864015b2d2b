//! What orders asks cart directly (never through the router): the cart to check out, and
//! emptying it afterwards.

use std::sync::Arc;

use axum::extract::State;
use axum::routing::post;
use axum::{Json, Router};
use micromall_kit::contracts::cart::{
    CLEAR, CartSnapshot, ClearRequest, ClearResponse, SNAPSHOT, SnapshotRequest,
};
use micromall_kit::internal::HandlerResult;

use crate::service::Carts;

pub fn routes(carts: Arc<Carts>) -> Router {
    Router::new()
        .route(&format!("/internal/{SNAPSHOT}"), post(snapshot))
        .route(&format!("/internal/{CLEAR}"), post(clear))
        .with_state(carts)
}

async fn snapshot(
    State(carts): State<Arc<Carts>>,
    Json(request): Json<SnapshotRequest>,
) -> HandlerResult<CartSnapshot> {
    Ok(Json(carts.snapshot(request.user_id).await?))
}

async fn clear(
    State(carts): State<Arc<Carts>>,
    Json(request): Json<ClearRequest>,
) -> HandlerResult<ClearResponse> {
    let cleared = carts.clear(request.cart_id, request.version).await?;
    Ok(Json(ClearResponse { cleared }))
}
