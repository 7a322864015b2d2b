use async_graphql::{Context, Object, Result};
use micromall_kit::graphql::{authenticated, service, viewer};

use super::types::Cart;
use crate::service::Carts;

pub struct Query;

#[Object]
impl Query {
    /// The signed-in customer's cart; null before their first add.
    #[graphql(directive = authenticated::apply())]
    async fn cart(&self, ctx: &Context<'_>) -> Result<Option<Cart>> {
        let user = viewer(ctx).require_user()?;
        let cart = service::<Carts>(ctx)?.cart_of(user).await?;
        Ok(cart.map(Cart::from))
    }
}
