//! Applying a coupon code to the customer's cart, and taking it off.

use micromall_kit::db::begin_write;
use micromall_kit::outcome::Verdict;
use micromall_kit::{ApiError, refuse};
use uuid::Uuid;

use super::{CartState, Carts, Change, locked_cart, state_of};
use crate::entity::cart;
use crate::refusal::Refusal;
use crate::rules::clean_coupon_code;
use crate::store;

impl Carts {
    /// Applies the code when marketing says it gives something to this cart now; otherwise
    /// refuses with marketing's reason and leaves the cart as it was. The code is kept as the
    /// shop wrote it (codes are matched regardless of case).
    pub async fn apply_coupon(&self, user: Uuid, code: &str) -> Change {
        let code = clean_coupon_code(code).or_refuse()?;
        // Asked about the cart as it is (an empty one before the first add): a refused code
        // makes no cart.
        let state = match self.state_of_user(user).await? {
            Some(state) => state,
            None => CartState {
                cart: not_yet_made(user),
                lines: Vec::new(),
            },
        };
        let (_, discounts) = self.price_with(state, Some(code)).await?;
        let Some(discounts) = discounts else {
            return Err(ApiError::internal(anyhow::anyhow!("marketing did not answer")).into());
        };
        if let Some(issue) = &discounts.coupon_issue {
            return refuse(Refusal::coupon(issue));
        }
        let Some(code) = discounts.coupon_code else {
            return refuse(Refusal::InvalidCoupon);
        };
        let txn = begin_write(&self.db).await?;
        let cart = self.own_cart(&txn, user).await?;
        let version = store::advance_version(&txn, &cart).await?;
        store::set_coupon(&txn, cart.id, Some(&code), version).await?;
        let state = state_of(&txn, cart.id).await?;
        txn.commit().await?;
        self.outbox.wake();
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

/// A cart as it will be when made: empty, at version 0.
fn not_yet_made(user: Uuid) -> cart::Model {
    let now = chrono::Utc::now();
    cart::Model {
        id: Uuid::nil(),
        user_id: user,
        version: 0,
        coupon_code: None,
        coupon_version: None,
        created_at: now,
        updated_at: now,
    }
}
