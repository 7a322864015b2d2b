//! What the customer sees: their cart, priced with catalog's current prices.

use micromall_kit::ApiResult;
use uuid::Uuid;

use super::{CartState, Carts};
use crate::pricing::{PricedCart, price_cart};
use crate::store;

impl Carts {
    /// The user's cart, priced now; `None` before their first add.
    pub async fn cart_of(&self, user: Uuid) -> ApiResult<Option<PricedCart>> {
        let txn = store::begin_read(&self.db).await?;
        let Some(cart) = store::cart_of_user(&txn, user).await? else {
            return Ok(None);
        };
        let lines = store::lines_of(&txn, cart.id).await?;
        txn.commit().await?;
        Ok(Some(self.price(CartState { cart, lines }).await?))
    }

    /// Prices a cart with one question to catalog for all its lines.
    pub(super) async fn price(&self, state: CartState) -> ApiResult<PricedCart> {
        let ids: Vec<Uuid> = state.lines.iter().map(|l| l.variant_id).collect();
        let facts = self.catalog.variants(&ids).await?;
        Ok(price_cart(
            &state.cart,
            &state.lines,
            &facts,
            &self.currency,
        ))
    }
}
