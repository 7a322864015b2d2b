use async_graphql::{Context, ID, Object, Result};
use micromall_kit::ApiError;
use micromall_kit::graphql::{authenticated, service, viewer};
use uuid::Uuid;

use super::types::{Order, Payment};
use crate::service::Payments;

pub struct Query;

impl Query {
    async fn visible(ctx: &Context<'_>, id: &str) -> Result<Option<Payment>> {
        let payment = service::<Payments>(ctx)?
            .payment_seen_by(viewer(ctx), id)
            .await
            .map_err(ApiError::from)?;
        Ok(payment.map(Payment))
    }
}

#[Object]
impl Query {
    /// One payment: the payer's own, or any for staff who refund or manage orders.
    #[graphql(directive = authenticated::apply())]
    async fn payment(&self, ctx: &Context<'_>, id: ID) -> Result<Option<Payment>> {
        viewer(ctx).require_user()?;
        Self::visible(ctx, &id).await
    }

    #[graphql(entity)]
    async fn find_payment_by_id(&self, ctx: &Context<'_>, id: ID) -> Result<Option<Payment>> {
        Self::visible(ctx, &id).await
    }

    /// Federation: orders, to resolve their `payments`.
    #[graphql(entity)]
    async fn find_order_by_id(&self, id: ID) -> Option<Order> {
        Uuid::parse_str(&id).ok().map(|id| Order { id })
    }
}
