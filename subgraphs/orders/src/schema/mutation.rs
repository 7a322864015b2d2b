use async_graphql::{Context, ID, Object, Result};
use micromall_kit::answer;
use micromall_kit::graphql::{authenticated, service, viewer};

use super::types::{CheckoutInput, CheckoutPayload, Order, OrderPayload};
use crate::service::{CheckoutRequest, Orders};

pub struct Mutation;

#[Object]
impl Mutation {
    /// Turns the signed-in customer's cart into an order awaiting payment: reprices it,
    /// holds the stock and empties the cart. Idempotent by `idempotencyKey`.
    #[graphql(directive = authenticated::apply())]
    async fn checkout(&self, ctx: &Context<'_>, input: CheckoutInput) -> Result<CheckoutPayload> {
        let customer = viewer(ctx).require_user()?;
        let request = CheckoutRequest {
            address: input.shipping_address,
            shipping_method_id: input.shipping_method_id.map(|id| id.0),
        };
        let placed = service::<Orders>(ctx)?
            .checkout(customer, request, &input.idempotency_key)
            .await;
        answer(placed.map(Order))
    }

    /// Cancels an order before its first shipment leaves: the customer's own, or any with `orders:manage`.
    /// Held stock returns to inventory and captured payments are refunded.
    #[graphql(directive = authenticated::apply())]
    async fn cancel_order(&self, ctx: &Context<'_>, id: ID) -> Result<OrderPayload> {
        let viewer = viewer(ctx);
        viewer.require_user()?;
        let cancelled = service::<Orders>(ctx)?.cancel(viewer, &id).await;
        answer(cancelled.map(Order))
    }
}
