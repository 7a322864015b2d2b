use std::sync::Arc;

use async_graphql::{Context, ID, Object, Result};
use micromall_kit::graphql::{authenticated, viewer};

use super::types::{CheckoutInput, CheckoutPayload, Order, OrderPayload};
use crate::service::Orders;

pub struct Mutation;

fn orders<'a>(ctx: &'a Context<'_>) -> &'a Orders {
    ctx.data_unchecked::<Arc<Orders>>()
}

#[Object]
impl Mutation {
    /// Turns the signed-in customer's cart into an order awaiting payment: reprices it,
    /// holds the stock and empties the cart. Idempotent by `idempotencyKey`.
    #[graphql(directive = authenticated::apply())]
    async fn checkout(&self, ctx: &Context<'_>, input: CheckoutInput) -> Result<CheckoutPayload> {
        let customer = viewer(ctx).require_user()?;
        let outcome = orders(ctx)
            .checkout(customer, input.shipping_address, &input.idempotency_key)
            .await?;
        Ok(match outcome {
            Ok(order) => CheckoutPayload {
                order: Some(Order(order)),
                user_errors: Vec::new(),
            },
            Err(user_errors) => CheckoutPayload {
                order: None,
                user_errors,
            },
        })
    }

    /// Cancels an order before it ships: the customer's own, or any with `orders:manage`.
    /// Held stock returns to inventory and captured payments are refunded.
    #[graphql(directive = authenticated::apply())]
    async fn cancel_order(&self, ctx: &Context<'_>, id: ID) -> Result<OrderPayload> {
        let viewer = viewer(ctx);
        viewer.require_user()?;
        Ok(match orders(ctx).cancel(viewer, &id).await? {
            Ok(order) => OrderPayload {
                order: Some(Order(order)),
                user_errors: Vec::new(),
            },
            Err(user_errors) => OrderPayload {
                order: None,
                user_errors,
            },
        })
    }
}
