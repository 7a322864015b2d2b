//! Adding, changing and removing the lines of the customer's cart.

use micromall_kit::db::{begin_write, is_unique_violation};
use micromall_kit::outcome::Verdict;
use micromall_kit::{ApiError, DomainError, refuse};
use sea_orm::DbErr;
use uuid::Uuid;

use super::{CartState, Carts, Change, locked_cart, state_of};
use crate::refusal::Refusal;
use crate::rules;
use crate::store;

/// Attempts at an add that lost a race on a unique constraint. The cart lock makes such a
/// race unexpected; retrying keeps it harmless if it happens anyway.
const WRITE_ATTEMPTS: usize = 3;

/// Whether a failed write lost a race on a unique constraint (and may be tried again).
fn lost_race(err: &ApiError) -> bool {
    matches!(err, ApiError::Internal(cause)
        if cause.downcast_ref::<DbErr>().is_some_and(is_unique_violation))
}

impl Carts {
    /// Adds `quantity` of a variant, creating the cart on first use and merging with the
    /// line of the same variant.
    pub async fn add(&self, user: Uuid, variant_id: &str, quantity: i32) -> Change {
        let quantity = rules::check_quantity(quantity).or_refuse()?;
        let Ok(variant) = Uuid::parse_str(variant_id) else {
            return refuse(Refusal::VariantNotFound);
        };
        if self.catalog.purchasable(variant).await?.is_none() {
            return refuse(Refusal::VariantNotFound);
        }
        let available = self.inventory.available(variant).await?;
        let mut attempt = 1;
        let state = loop {
            match self.write_add(user, variant, quantity, available).await {
                Err(DomainError::Failed(err)) if lost_race(&err) && attempt < WRITE_ATTEMPTS => {
                    attempt += 1;
                }
                result => break result?,
            }
        };
        Ok(self.price(state).await?)
    }

    async fn write_add(
        &self,
        user: Uuid,
        variant: Uuid,
        quantity: i32,
        available: i64,
    ) -> Result<CartState, DomainError<Refusal>> {
        let txn = begin_write(&self.db).await?;
        let cart = self.own_cart(&txn, user).await?;
        let existing = store::line_for_variant(&txn, cart.id, variant).await?;
        let new_quantity = match &existing {
            Some(line) => rules::merged_quantity(line.quantity, quantity).or_refuse()?,
            None => {
                rules::check_room_for_line(store::line_count(&txn, cart.id).await?).or_refuse()?;
                quantity
            }
        };
        rules::check_stock(new_quantity, available).or_refuse()?;
        let version = store::advance_version(&txn, &cart).await?;
        match existing {
            Some(line) => store::set_line_quantity(&txn, line.id, new_quantity, version).await?,
            None => store::insert_line(&txn, cart.id, variant, new_quantity, version).await?,
        }
        let state = state_of(&txn, cart.id).await?;
        txn.commit().await?;
        self.outbox.wake();
        Ok(state)
    }

    /// Sets a line's quantity; 0 removes the line.
    pub async fn update_line(&self, user: Uuid, line_id: &str, quantity: i32) -> Change {
        if quantity == 0 {
            return self.remove_line(user, line_id).await;
        }
        let quantity = rules::check_quantity(quantity).or_refuse()?;
        let Ok(line_id) = Uuid::parse_str(line_id) else {
            return refuse(Refusal::LineNotFound);
        };
        // Which variant the line holds, to ask catalog and inventory before writing.
        let line = match store::cart_of_user(&self.db, user).await? {
            Some(cart) => store::line_in_cart(&self.db, cart.id, line_id).await?,
            None => None,
        }
        .ok_or(Refusal::LineNotFound)
        .or_refuse()?;
        if self.catalog.purchasable(line.variant_id).await?.is_none() {
            return refuse(Refusal::LineNotForSale);
        }
        let available = self.inventory.available(line.variant_id).await?;
        rules::check_stock(quantity, available).or_refuse()?;

        let txn = begin_write(&self.db).await?;
        let cart = locked_cart(&txn, user, Refusal::LineNotFound).await?;
        // The line may have been removed since it was read.
        if store::line_in_cart(&txn, cart.id, line_id).await?.is_none() {
            return refuse(Refusal::LineNotFound);
        }
        let version = store::advance_version(&txn, &cart).await?;
        store::set_line_quantity(&txn, line_id, quantity, version).await?;
        let state = state_of(&txn, cart.id).await?;
        txn.commit().await?;
        Ok(self.price(state).await?)
    }

    pub async fn remove_line(&self, user: Uuid, line_id: &str) -> Change {
        let Ok(line_id) = Uuid::parse_str(line_id) else {
            return refuse(Refusal::LineNotFound);
        };
        let txn = begin_write(&self.db).await?;
        let cart = locked_cart(&txn, user, Refusal::LineNotFound).await?;
        if !store::delete_line(&txn, cart.id, line_id).await? {
            return refuse(Refusal::LineNotFound);
        }
        store::advance_version(&txn, &cart).await?;
        let state = state_of(&txn, cart.id).await?;
        txn.commit().await?;
        Ok(self.price(state).await?)
    }
}

#[cfg(test)]
mod tests {
    use micromall_kit::testing::backends;

    use super::*;
    use crate::service::tests::database;

    #[tokio::test]
    async fn a_second_line_for_one_variant_is_a_lost_race_to_retry() {
        for backend in backends() {
            let db = database(backend).await;
            let user = Uuid::now_v7();
            store::ensure_cart(&db, user).await.unwrap();
            let cart = store::cart_of_user(&db, user).await.unwrap().unwrap();
            let variant = Uuid::now_v7();
            store::insert_line(&db, cart.id, variant, 1, 1)
                .await
                .unwrap();
            let err = store::insert_line(&db, cart.id, variant, 1, 2)
                .await
                .unwrap_err();
            // As `?` hands it to the retry loop in `add`.
            let DomainError::Failed(failed) = DomainError::<Refusal>::from(err) else {
                panic!("a database error is a failure");
            };
            assert!(lost_race(&failed), "{backend:?}");
            assert!(!lost_race(&ApiError::internal(anyhow::anyhow!("other"))));
        }
    }
}
