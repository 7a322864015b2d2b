use async_graphql::{Context, ID, Object, Result};
use micromall_kit::graphql::{authenticated, client_addr, service, viewer};

use std::future::Future;

use micromall_kit::DomainError;
use uuid::Uuid;

use super::types::CartPayload;
use crate::pricing::PricedCart;
use crate::refusal::Refusal;
use crate::service::Carts;

pub struct Mutation;

/// Runs `change` on the cart the operation is on (see `Carts::holder`; `issue` lets a
/// guest's first operation start a guest cart) and answers with the cart, or with the payload
/// that refuses the operation.
async fn on_cart<'c, F, Fut>(
    ctx: &'c Context<'_>,
    token: Option<&str>,
    issue: bool,
    change: F,
) -> Result<CartPayload>
where
    F: FnOnce(&'c Carts, Uuid) -> Fut,
    Fut: Future<Output = Result<PricedCart, DomainError<Refusal>>>,
{
    let carts = service::<Carts>(ctx)?;
    let user = viewer(ctx).user_id;
    let addr = client_addr(ctx).0;
    match carts.holder(user, token, issue, addr).await {
        Ok(holder) => CartPayload::answer(change(carts, holder.owner).await, holder.token),
        Err(err) => CartPayload::answer(Err(err), None),
    }
}

#[Object]
impl Mutation {
    /// Adds to the line of this variant, creating the cart on first use. A shopper who has
    /// not signed in gets a guest cart and its `cartToken` with the first add, and sends the
    /// token with every later cart operation.
    async fn add_to_cart(
        &self,
        ctx: &Context<'_>,
        variant_id: ID,
        quantity: i32,
        cart_token: Option<String>,
    ) -> Result<CartPayload> {
        on_cart(ctx, cart_token.as_deref(), true, |carts, owner| {
            carts.add(owner, &variant_id, quantity)
        })
        .await
    }

    /// 0 removes the line.
    async fn update_cart_line(
        &self,
        ctx: &Context<'_>,
        line_id: ID,
        quantity: i32,
        cart_token: Option<String>,
    ) -> Result<CartPayload> {
        on_cart(ctx, cart_token.as_deref(), false, |carts, owner| {
            carts.update_line(owner, &line_id, quantity)
        })
        .await
    }

    async fn remove_cart_line(
        &self,
        ctx: &Context<'_>,
        line_id: ID,
        cart_token: Option<String>,
    ) -> Result<CartPayload> {
        on_cart(ctx, cart_token.as_deref(), false, |carts, owner| {
            carts.remove_line(owner, &line_id)
        })
        .await
    }

    async fn apply_coupon(
        &self,
        ctx: &Context<'_>,
        code: String,
        cart_token: Option<String>,
    ) -> Result<CartPayload> {
        on_cart(ctx, cart_token.as_deref(), false, |carts, owner| {
            carts.apply_coupon(owner, &code)
        })
        .await
    }

    async fn remove_coupon(
        &self,
        ctx: &Context<'_>,
        cart_token: Option<String>,
    ) -> Result<CartPayload> {
        on_cart(ctx, cart_token.as_deref(), false, |carts, owner| {
            carts.remove_coupon(owner)
        })
        .await
    }

    /// At sign-in: the guest cart's lines join the customer's (quantities added, capped by
    /// stock and the per-line limit), and the guest cart is gone.
    #[graphql(directive = authenticated::apply())]
    async fn merge_guest_cart(&self, ctx: &Context<'_>, cart_token: String) -> Result<CartPayload> {
        let user = viewer(ctx).require_user()?;
        let merged = service::<Carts>(ctx)?.merge_guest(user, &cart_token).await;
        CartPayload::answer(merged, None)
    }
}
