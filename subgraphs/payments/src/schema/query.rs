use std::sync::Arc;

use async_graphql::{Context, ID, Object, Result};
use micromall_kit::ApiError;
use micromall_kit::graphql::{authenticated, viewer};
use uuid::Uuid;

use super::types::{Order, Payment};
use crate::service::{Payments, may_see, payment_by_id};

pub struct Query;

impl Query {
    async fn visible(ctx: &Context<'_>, id: &str) -> Result<Option<Payment>> {
        let Ok(id) = Uuid::parse_str(id) else {
            return Ok(None);
        };
        let payments = ctx.data_unchecked::<Arc<Payments>>();
        let payment = payment_by_id(&payments.db, id)
            .await
            .map_err(ApiError::from)?;
        Ok(payment.filter(|p| may_see(viewer(ctx), p)).map(Payment))
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
