//! What the customer sees: their cart, priced with catalog's current prices and marketing's
//! current discounts.

use micromall_kit::ApiResult;
use micromall_kit::contracts::marketing::{Discounts, PriceRequest};
use sea_orm::DbErr;
use uuid::Uuid;

use super::{CartState, Carts};
use crate::pricing::{PricedCart, items, price_cart};
use crate::store;

impl Carts {
    /// The user's cart, priced now; `None` before their first add.
    pub async fn cart_of(&self, user: Uuid) -> ApiResult<Option<PricedCart>> {
        match self.state_of_user(user).await? {
            Some(state) => Ok(Some(self.price(state).await?)),
            None => Ok(None),
        }
    }

    /// The user's cart and its lines, read together; `None` before their first add.
    pub(super) async fn state_of_user(&self, user: Uuid) -> Result<Option<CartState>, DbErr> {
        let txn = store::begin_read(&self.db).await?;
        let Some(cart) = store::cart_of_user(&txn, user).await? else {
            return Ok(None);
        };
        let lines = store::lines_of(&txn, cart.id).await?;
        txn.commit().await?;
        Ok(Some(CartState { cart, lines }))
    }

    /// Prices a cart with one question to catalog and one to marketing. Without marketing
    /// the cart is still shown, at full price: browsing a cart never depends on discounts
    /// (checkout does, and refuses without them).
    pub(super) async fn price(&self, state: CartState) -> ApiResult<PricedCart> {
        let coupon = state.cart.coupon_code.clone();
        self.price_with(state, coupon)
            .await
            .map(|(priced, _)| priced)
    }

    /// Prices a cart as if `coupon` were applied, with marketing's whole answer.
    pub(super) async fn price_with(
        &self,
        state: CartState,
        coupon: Option<String>,
    ) -> ApiResult<(PricedCart, Option<Discounts>)> {
        let ids: Vec<Uuid> = state.lines.iter().map(|l| l.variant_id).collect();
        let facts = self.catalog.variants(&ids).await?;
        let request = PriceRequest {
            customer_id: Some(state.cart.user_id),
            items: items(&state.lines, &facts),
            coupon_code: coupon,
        };
        let discounts = match self.marketing.discounts(&request).await {
            Ok(discounts) => Some(discounts),
            Err(err) => {
                tracing::warn!(error = ?err, cart = %state.cart.id, "cart priced without discounts: marketing did not answer");
                None
            }
        };
        let priced = price_cart(
            &state.cart,
            &state.lines,
            &facts,
            discounts.as_ref(),
            &self.currency,
        );
        Ok((priced, discounts))
    }
}
