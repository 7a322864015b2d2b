use async_graphql::{Context, Object, Result};
use micromall_kit::graphql::{service, viewer};

use super::types::Cart;
use crate::service::Carts;

/// Longest `token` looked up (a real one is 46 characters).
const MAX_TOKEN_LEN: usize = 64;

pub struct Query;

#[Object]
impl Query {
    /// The guest cart of `token`, or the signed-in customer's cart; null before the first
    /// add (or for a token that reaches no cart any more).
    async fn cart(&self, ctx: &Context<'_>, token: Option<String>) -> Result<Option<Cart>> {
        let carts = service::<Carts>(ctx)?;
        let owner = match token {
            Some(token) if token.len() > MAX_TOKEN_LEN => return Ok(None),
            Some(token) => match carts.holder(None, Some(&token), false, None).await {
                Ok(holder) => holder.owner,
                Err(_) => return Ok(None),
            },
            None => viewer(ctx).require_user()?,
        };
        let cart = carts.cart_of(owner).await?;
        Ok(cart.map(Cart::from))
    }
}
