use async_graphql::{Context, ID, Object, Result};
use micromall_kit::graphql::{authenticated, client_addr, service, viewer};

use super::types::CartPayload;
use crate::service::{Carts, Holder};

pub struct Mutation;

/// The holder of the cart an operation is on (see `Carts::holder`), or the payload that
/// refuses it.
async fn holder(
    ctx: &Context<'_>,
    token: Option<&str>,
    issue: bool,
) -> Result<Result<Holder, CartPayload>> {
    let user = viewer(ctx).user_id;
    let addr = client_addr(ctx).0;
    match service::<Carts>(ctx)?
        .holder(user, token, issue, addr)
        .await
    {
        Ok(holder) => Ok(Ok(holder)),
        Err(err) => CartPayload::answer(Err(err), None).map(Err),
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
        let holder = match holder(ctx, cart_token.as_deref(), true).await? {
            Ok(holder) => holder,
            Err(refused) => return Ok(refused),
        };
        let changed = service::<Carts>(ctx)?
            .add(holder.owner, &variant_id, quantity)
            .await;
        CartPayload::answer(changed, holder.token)
    }

    /// 0 removes the line.
    async fn update_cart_line(
        &self,
        ctx: &Context<'_>,
        line_id: ID,
        quantity: i32,
        cart_token: Option<String>,
    ) -> Result<CartPayload> {
        let holder = match holder(ctx, cart_token.as_deref(), false).await? {
            Ok(holder) => holder,
            Err(refused) => return Ok(refused),
        };
        let changed = service::<Carts>(ctx)?
            .update_line(holder.owner, &line_id, quantity)
            .await;
        CartPayload::answer(changed, holder.token)
    }

    async fn remove_cart_line(
        &self,
        ctx: &Context<'_>,
        line_id: ID,
        cart_token: Option<String>,
    ) -> Result<CartPayload> {
        let holder = match holder(ctx, cart_token.as_deref(), false).await? {
            Ok(holder) => holder,
            Err(refused) => return Ok(refused),
        };
        let changed = service::<Carts>(ctx)?
            .remove_line(holder.owner, &line_id)
            .await;
        CartPayload::answer(changed, holder.token)
    }

    async fn apply_coupon(
        &self,
        ctx: &Context<'_>,
        code: String,
        cart_token: Option<String>,
    ) -> Result<CartPayload> {
        let holder = match holder(ctx, cart_token.as_deref(), false).await? {
            Ok(holder) => holder,
            Err(refused) => return Ok(refused),
        };
        let changed = service::<Carts>(ctx)?
            .apply_coupon(holder.owner, &code)
            .await;
        CartPayload::answer(changed, holder.token)
    }

    async fn remove_coupon(
        &self,
        ctx: &Context<'_>,
        cart_token: Option<String>,
    ) -> Result<CartPayload> {
        let holder = match holder(ctx, cart_token.as_deref(), false).await? {
            Ok(holder) => holder,
            Err(refused) => return Ok(refused),
        };
        let changed = service::<Carts>(ctx)?.remove_coupon(holder.owner).await;
        CartPayload::answer(changed, holder.token)
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
