//! What other services ask orders directly: the facts payments needs to take money for an
//! order and shipping needs to ship it, and shipping's question whether a shipment may leave.

use std::sync::Arc;

use axum::extract::State;
use axum::routing::post;
use axum::{Json, Router};
use micromall_kit::contracts::orders::{
    ORDER, OrderFacts, OrderLineFacts, OrderRequest, SHIP, ShipRequest,
};
use micromall_kit::internal::HandlerResult;

use crate::entity::order;
use crate::service::Orders;

pub fn routes(orders: Arc<Orders>) -> Router {
    Router::new()
        .route(&format!("/internal/{ORDER}"), post(order))
        .route(&format!("/internal/{SHIP}"), post(ship))
        .with_state(orders)
}

async fn order(
    State(orders): State<Arc<Orders>>,
    Json(request): Json<OrderRequest>,
) -> HandlerResult<OrderFacts> {
    let order = orders.order(request.order_id).await?;
    facts(&orders, order).await
}

/// Shipping asks before a shipment counts: the order must be paid or partly shipped.
async fn ship(
    State(orders): State<Arc<Orders>>,
    Json(request): Json<ShipRequest>,
) -> HandlerResult<OrderFacts> {
    let order = orders
        .accept_shipment(request.order_id, request.shipment_id, request.all_shipped)
        .await?;
    facts(&orders, order).await
}

async fn facts(orders: &Orders, order: order::Model) -> HandlerResult<OrderFacts> {
    let lines = orders
        .lines_of(&[order.id])
        .await?
        .remove(&order.id)
        .unwrap_or_default();
    let country = order
        .shipping_address
        .get("country")
        .and_then(|c| c.as_str())
        .unwrap_or_default()
        .to_owned();
    Ok(Json(OrderFacts {
        id: order.id,
        customer_id: order.customer_id,
        status: order.status,
        total: order.total,
        currency: order.currency,
        lines: lines
            .into_iter()
            .map(|l| OrderLineFacts {
                id: l.id,
                variant_id: l.variant_id,
                sku: l.sku,
                quantity: i64::from(l.quantity),
            })
            .collect(),
        country,
    }))
}
