//! Applying a coupon code to the customer's cart, and taking it off.

use micromall_kit::db::begin_write;
use micromall_kit::outcome::Verdict;
use uuid::Uuid;

use super::{Carts, Change, locked_cart, own_cart, state_of};
use crate::refusal::Refusal;
use crate::rules::clean_coupon_code;
use crate::store;

/// The code to store on the cart, or why it cannot be applied. Coupons belong to marketing,
/// which does not exist yet, so every well-formed code is refused as unknown. When marketing
/// arrives, this is the one place that asks it (through `remote`, adding `COUPON_EXPIRED`,
/// `COUPON_MINIMUM_NOT_MET` and `COUPON_USAGE_LIMIT` to `Refusal`).
fn accepted_coupon(code: &str) -> Result<String, Refusal> {
    let _code = clean_coupon_code(code)?;
    Err(Refusal::InvalidCoupon)
}

impl Carts {
    pub async fn apply_coupon(&self, user: Uuid, code: &str) -> Change {
        let code = accepted_coupon(code).or_refuse()?;
        let txn = begin_write(&self.db).await?;
        let cart = own_cart(&txn, user).await?;
        let version = store::advance_version(&txn, &cart).await?;
        store::set_coupon(&txn, cart.id, Some(&code), version).await?;
        let state = state_of(&txn, cart.id).await?;
        txn.commit().await?;
        Ok(self.price(state).await?)
    }

    pub async fn remove_coupon(&self, user: Uuid) -> Change {
        let txn = begin_write(&self.db).await?;
        let cart = locked_cart(&txn, user, Refusal::NoCart).await?;
        if cart.coupon_code.is_some() {
            let version = store::advance_version(&txn, &cart).await?;
            store::set_coupon(&txn, cart.id, None, version).await?;
        }
        let state = state_of(&txn, cart.id).await?;
        txn.commit().await?;
        Ok(self.price(state).await?)
    }
}
