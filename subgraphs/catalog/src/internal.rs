//! What other services ask catalog directly (never through the router): the current facts
//! about variants, which cart prices lines with and checkout snapshots into orders.

use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::State;
use axum::routing::post;
use axum::{Json, Router};
use micromall_kit::contracts::catalog::{
    VARIANTS, VariantFacts, VariantsRequest, VariantsResponse,
};
use micromall_kit::internal::HandlerResult;
use uuid::Uuid;

use crate::service::Catalog;
use crate::store;

/// Most variants one call may ask about (a cart holds at most 100 lines).
const MAX_IDS: usize = 500;

pub fn routes(catalog: Arc<Catalog>) -> Router {
    Router::new()
        .route(&format!("/internal/{VARIANTS}"), post(variants))
        .with_state(catalog)
}

async fn variants(
    State(catalog): State<Arc<Catalog>>,
    Json(request): Json<VariantsRequest>,
) -> HandlerResult<VariantsResponse> {
    let mut ids = request.ids;
    ids.truncate(MAX_IDS);
    let variants = store::variants_by_ids(&catalog.db, &ids).await?;
    let product_ids: Vec<Uuid> = variants.iter().map(|v| v.product_id).collect();
    let products: HashMap<Uuid, _> = store::products_by_ids(&catalog.db, &product_ids)
        .await?
        .into_iter()
        .map(|p| (p.id, p))
        .collect();
    let variants = variants
        .into_iter()
        .filter_map(|v| {
            let product = products.get(&v.product_id)?;
            Some(VariantFacts {
                id: v.id,
                sku: v.sku,
                name: v.name,
                product_id: v.product_id,
                product_name: product.name.clone(),
                price: v.price,
                currency: catalog.currency.clone(),
                purchasable: product.archived_at.is_none(),
            })
        })
        .collect();
    Ok(Json(VariantsResponse { variants }))
}
