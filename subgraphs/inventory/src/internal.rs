//! What other services ask inventory directly (never through the router): availability,
//! and holds on stock for orders.

use std::sync::Arc;

use axum::extract::State;
use axum::routing::post;
use axum::{Json, Router};
use micromall_kit::DomainError;
use micromall_kit::contracts::inventory::{
    AVAILABILITY, Availability, AvailabilityRequest, AvailabilityResponse, RELEASE, RESERVE,
    ReleaseRequest, ReleaseResponse, ReserveRequest, ReserveResponse,
};
use micromall_kit::internal::HandlerResult;
use uuid::Uuid;

use crate::refusal::Refusal;
use crate::rules::MAX_LINES;
use crate::service::Inventory;

pub fn routes(inventory: Arc<Inventory>) -> Router {
    Router::new()
        .route(&format!("/internal/{AVAILABILITY}"), post(availability))
        .route(&format!("/internal/{RESERVE}"), post(reserve))
        .route(&format!("/internal/{RELEASE}"), post(release))
        .with_state(inventory)
}

async fn availability(
    State(inventory): State<Arc<Inventory>>,
    Json(request): Json<AvailabilityRequest>,
) -> HandlerResult<AvailabilityResponse> {
    if request.variant_ids.len() > MAX_LINES {
        return Err(DomainError::Refused(Refusal::TooManyVariants).into());
    }
    let mut ids: Vec<Uuid> = Vec::with_capacity(request.variant_ids.len());
    for id in request.variant_ids {
        if !ids.contains(&id) {
            ids.push(id);
        }
    }
    let available = inventory.availability(&ids).await?;
    let levels = ids
        .into_iter()
        .map(|variant_id| Availability {
            variant_id,
            available: available.get(&variant_id).copied().unwrap_or(0),
        })
        .collect();
    Ok(Json(AvailabilityResponse { levels }))
}

async fn reserve(
    State(inventory): State<Arc<Inventory>>,
    Json(request): Json<ReserveRequest>,
) -> HandlerResult<ReserveResponse> {
    inventory.reserve(&request).await?;
    Ok(Json(ReserveResponse { reserved: true }))
}

async fn release(
    State(inventory): State<Arc<Inventory>>,
    Json(request): Json<ReleaseRequest>,
) -> HandlerResult<ReleaseResponse> {
    let released = inventory
        .release(request.reservation_id, &request.reason)
        .await?;
    Ok(Json(ReleaseResponse { released }))
}
