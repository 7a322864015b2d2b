use async_graphql::{Context, ID, Object, Result};
use micromall_kit::answer;
use micromall_kit::graphql::{authenticated, service, viewer};

use super::types::CartPayload;
use crate::service::Carts;

pub struct Mutation;

#[Object]
impl Mutation {
    /// Adds to the line of this variant, creating the cart on first use.
    #[graphql(directive = authenticated::apply())]
    async fn add_to_cart(
        &self,
        ctx: &Context<'_>,
        variant_id: ID,
        quantity: i32,
    ) -> Result<CartPayload> {
        let user = viewer(ctx).require_user()?;
        answer(
            service::<Carts>(ctx)?
                .add(user, &variant_id, quantity)
                .await,
        )
    }

    /// 0 removes the line.
    #[graphql(directive = authenticated::apply())]
    async fn update_cart_line(
        &self,
        ctx: &Context<'_>,
        line_id: ID,
        quantity: i32,
    ) -> Result<CartPayload> {
        let user = viewer(ctx).require_user()?;
        answer(
            service::<Carts>(ctx)?
                .update_line(user, &line_id, quantity)
                .await,
        )
    }

    #[graphql(directive = authenticated::apply())]
    async fn remove_cart_line(&self, ctx: &Context<'_>, line_id: ID) -> Result<CartPayload> {
        let user = viewer(ctx).require_user()?;
        answer(service::<Carts>(ctx)?.remove_line(user, &line_id).await)
    }

    #[graphql(directive = authenticated::apply())]
    async fn apply_coupon(&self, ctx: &Context<'_>, code: String) -> Result<CartPayload> {
        let user = viewer(ctx).require_user()?;
        answer(service::<Carts>(ctx)?.apply_coupon(user, &code).await)
    }

    #[graphql(directive = authenticated::apply())]
    async fn remove_coupon(&self, ctx: &Context<'_>) -> Result<CartPayload> {
        let user = viewer(ctx).require_user()?;
        answer(service::<Carts>(ctx)?.remove_coupon(user).await)
    }
}
