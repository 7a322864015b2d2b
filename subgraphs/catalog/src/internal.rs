//! What other services ask catalog directly (never through the router): the current facts
//! about variants, which cart prices lines with and checkout snapshots into orders, and
//! which categories and products exist (marketing checks a coupon's scope with it).

use std::sync::Arc;

use axum::extract::State;
use axum::routing::post;
use axum::{Json, Router};
use micromall_kit::contracts::catalog::{
    KNOWN, KnownRequest, VARIANTS, VariantsRequest, VariantsResponse,
};
use micromall_kit::internal::HandlerResult;

use crate::service::Catalog;

/// Most variants one call may ask about (a cart holds at most 100 lines).
const MAX_IDS: usize = 500;

pub fn routes(catalog: Arc<Catalog>) -> Router {
    Router::new()
        .route(&format!("/internal/{VARIANTS}"), post(variants))
        .route(&format!("/internal/{KNOWN}"), post(known))
        .with_state(catalog)
}

async fn variants(
    State(catalog): State<Arc<Catalog>>,
    Json(request): Json<VariantsRequest>,
) -> HandlerResult<VariantsResponse> {
    let mut ids = request.ids;
    ids.truncate(MAX_IDS);
    let variants = catalog.variant_facts(&ids).await?;
    Ok(Json(VariantsResponse { variants }))
}

async fn known(
    State(catalog): State<Arc<Catalog>>,
    Json(mut request): Json<KnownRequest>,
) -> HandlerResult<KnownRequest> {
    request.category_ids.truncate(MAX_IDS);
    request.product_ids.truncate(MAX_IDS);
    Ok(Json(catalog.known(&request).await?))
}
