use async_graphql::{Context, Object, Result};
use micromall_kit::graphql::{authenticated, viewer};

use super::carts;
use super::types::Cart;

pub struct Query;

#[Object]
impl Query {
    /// The signed-in customer's cart; null before their first add.
    #[graphql(directive = authenticated::apply())]
    async fn cart(&self, ctx: &Context<'_>) -> Result<Option<Cart>> {
        let user = viewer(ctx).require_user()?;
        Ok(carts(ctx).cart_of(user).await?.map(Cart::from))
    }
}
