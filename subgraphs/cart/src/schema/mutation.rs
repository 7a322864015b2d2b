use async_graphql::{Context, ID, Object, Result};
use micromall_kit::UserError;
use micromall_kit::graphql::{authenticated, viewer};

use super::carts;
use super::types::{Cart, CartPayload};
use crate::rules::CartError;
use crate::service::{ChangeError, ChangeResult};

pub struct Mutation;

/// A change's outcome as the payload shows it. `subject` names the argument that a
/// not-found or coupon refusal is about.
fn payload(result: ChangeResult, subject: &str) -> Result<CartPayload> {
    match result {
        Ok(cart) => Ok(CartPayload {
            cart: Some(Cart::from(cart)),
            user_errors: Vec::new(),
        }),
        Err(ChangeError::Refused(refusal)) => Ok(CartPayload {
            cart: None,
            user_errors: vec![user_error(&refusal, subject)],
        }),
        Err(ChangeError::Failed(err)) => Err(err.into()),
    }
}

fn user_error(refusal: &CartError, subject: &str) -> UserError {
    let error = UserError::new(refusal.code(), refusal.message());
    match refusal {
        CartError::QuantityOutOfRange
        | CartError::LineWouldOverflow { .. }
        | CartError::InsufficientStock { .. } => error.at(&["quantity"]),
        CartError::NoCart => error,
        CartError::TooManyLines
        | CartError::VariantNotFound
        | CartError::LineNotFound
        | CartError::InvalidCoupon => error.at(&[subject]),
    }
}

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
        payload(
            carts(ctx).add(user, &variant_id, quantity).await,
            "variantId",
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
        payload(
            carts(ctx).update_line(user, &line_id, quantity).await,
            "lineId",
        )
    }

    #[graphql(directive = authenticated::apply())]
    async fn remove_cart_line(&self, ctx: &Context<'_>, line_id: ID) -> Result<CartPayload> {
        let user = viewer(ctx).require_user()?;
        payload(carts(ctx).remove_line(user, &line_id).await, "lineId")
    }

    #[graphql(directive = authenticated::apply())]
    async fn apply_coupon(&self, ctx: &Context<'_>, code: String) -> Result<CartPayload> {
        let user = viewer(ctx).require_user()?;
        payload(carts(ctx).apply_coupon(user, &code).await, "code")
    }

    #[graphql(directive = authenticated::apply())]
    async fn remove_coupon(&self, ctx: &Context<'_>) -> Result<CartPayload> {
        let user = viewer(ctx).require_user()?;
        payload(carts(ctx).remove_coupon(user).await, "code")
    }
}
