//! The cart rules in action: every change to a cart, what checkout reads from it, and
//! emptying it after an order. Resolvers and internal handlers call these and only translate.
//!
//! A change asks catalog and inventory first, outside any transaction, then applies itself
//! in one write transaction that locks the cart, moves it to its next version and stamps the
//! changed line with that version. Prices are read from catalog after the commit.

use micromall_kit::contracts::cart::CartSnapshot;
use micromall_kit::contracts::inventory::Line;
use micromall_kit::db::{begin_write, is_unique_violation};
use micromall_kit::{ApiError, ApiResult};
use sea_orm::{ConnectionTrait, DatabaseConnection, DbErr};
use uuid::Uuid;

use crate::coupons::accepted_coupon;
use crate::entity::{cart, cart_line};
use crate::pricing::{PricedCart, price_cart};
use crate::remote;
use crate::rules::{self, CartError};
use crate::store;

/// Why a change did not happen: refused by the rules (a user error), or failed.
#[derive(Debug)]
pub enum ChangeError {
    Refused(CartError),
    Failed(ApiError),
}

impl From<CartError> for ChangeError {
    fn from(refusal: CartError) -> Self {
        ChangeError::Refused(refusal)
    }
}

impl From<ApiError> for ChangeError {
    fn from(err: ApiError) -> Self {
        ChangeError::Failed(err)
    }
}

impl From<DbErr> for ChangeError {
    fn from(err: DbErr) -> Self {
        ChangeError::Failed(err.into())
    }
}

/// The same, inside a write transaction, where a lost race must stay recognisable.
enum WriteError {
    Refused(CartError),
    Db(DbErr),
}

impl From<CartError> for WriteError {
    fn from(refusal: CartError) -> Self {
        WriteError::Refused(refusal)
    }
}

impl From<DbErr> for WriteError {
    fn from(err: DbErr) -> Self {
        WriteError::Db(err)
    }
}

impl From<WriteError> for ChangeError {
    fn from(err: WriteError) -> Self {
        match err {
            WriteError::Refused(refusal) => ChangeError::Refused(refusal),
            WriteError::Db(err) => err.into(),
        }
    }
}

pub type ChangeResult = Result<PricedCart, ChangeError>;

/// A cart and its lines as one transaction saw them.
struct CartState {
    cart: cart::Model,
    lines: Vec<cart_line::Model>,
}

/// Attempts at a write that lost a race on a unique constraint. The cart lock makes such a
/// race unexpected; retrying keeps it harmless if it happens anyway.
const WRITE_ATTEMPTS: usize = 3;

pub struct Carts {
    pub db: DatabaseConnection,
    pub catalog: remote::Catalog,
    pub inventory: remote::Inventory,
    pub currency: String,
}

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

    /// Adds `quantity` of a variant, creating the cart on first use and merging with the
    /// line of the same variant.
    pub async fn add(&self, user: Uuid, variant_id: &str, quantity: i32) -> ChangeResult {
        let quantity = rules::check_quantity(quantity)?;
        let variant = Uuid::parse_str(variant_id).map_err(|_| CartError::VariantNotFound)?;
        if self.catalog.purchasable(variant).await?.is_none() {
            return Err(CartError::VariantNotFound.into());
        }
        let available = self.inventory.available(variant).await?;
        let mut attempt = 1;
        let state = loop {
            match self.write_add(user, variant, quantity, available).await {
                Err(WriteError::Db(err))
                    if is_unique_violation(&err) && attempt < WRITE_ATTEMPTS =>
                {
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
    ) -> Result<CartState, WriteError> {
        let txn = begin_write(&self.db).await?;
        store::ensure_cart(&txn, user).await?;
        let cart = store::lock_cart_of_user(&txn, user)
            .await?
            .ok_or(CartError::NoCart)?;
        let existing = store::line_for_variant(&txn, cart.id, variant).await?;
        let new_quantity = match &existing {
            Some(line) => rules::merged_quantity(line.quantity, quantity)?,
            None => {
                rules::check_room_for_line(store::line_count(&txn, cart.id).await?)?;
                quantity
            }
        };
        rules::check_stock(new_quantity, available)?;
        let version = store::advance_version(&txn, &cart).await?;
        match existing {
            Some(line) => store::set_line_quantity(&txn, line.id, new_quantity, version).await?,
            None => store::insert_line(&txn, cart.id, variant, new_quantity, version).await?,
        }
        let state = state_of(&txn, cart.id).await?;
        txn.commit().await?;
        Ok(state)
    }

    /// Sets a line's quantity; 0 removes the line.
    pub async fn update_line(&self, user: Uuid, line_id: &str, quantity: i32) -> ChangeResult {
        if quantity == 0 {
            return self.remove_line(user, line_id).await;
        }
        let quantity = rules::check_quantity(quantity)?;
        let line_id = Uuid::parse_str(line_id).map_err(|_| CartError::LineNotFound)?;
        // Which variant the line holds, to ask catalog and inventory before writing.
        let line = match store::cart_of_user(&self.db, user).await? {
            Some(cart) => store::line_in_cart(&self.db, cart.id, line_id).await?,
            None => None,
        }
        .ok_or(CartError::LineNotFound)?;
        if self.catalog.purchasable(line.variant_id).await?.is_none() {
            return Err(CartError::VariantNotFound.into());
        }
        rules::check_stock(quantity, self.inventory.available(line.variant_id).await?)?;

        let txn = begin_write(&self.db).await?;
        let cart = store::lock_cart_of_user(&txn, user)
            .await?
            .ok_or(CartError::LineNotFound)?;
        // The line may have been removed since it was read.
        store::line_in_cart(&txn, cart.id, line_id)
            .await?
            .ok_or(CartError::LineNotFound)?;
        let version = store::advance_version(&txn, &cart).await?;
        store::set_line_quantity(&txn, line_id, quantity, version).await?;
        let state = state_of(&txn, cart.id).await?;
        txn.commit().await?;
        Ok(self.price(state).await?)
    }

    pub async fn remove_line(&self, user: Uuid, line_id: &str) -> ChangeResult {
        let line_id = Uuid::parse_str(line_id).map_err(|_| CartError::LineNotFound)?;
        let txn = begin_write(&self.db).await?;
        let cart = store::lock_cart_of_user(&txn, user)
            .await?
            .ok_or(CartError::LineNotFound)?;
        if !store::delete_line(&txn, cart.id, line_id).await? {
            return Err(CartError::LineNotFound.into());
        }
        store::advance_version(&txn, &cart).await?;
        let state = state_of(&txn, cart.id).await?;
        txn.commit().await?;
        Ok(self.price(state).await?)
    }

    pub async fn apply_coupon(&self, user: Uuid, code: &str) -> ChangeResult {
        let code = accepted_coupon(code)?;
        let txn = begin_write(&self.db).await?;
        store::ensure_cart(&txn, user).await?;
        let cart = store::lock_cart_of_user(&txn, user)
            .await?
            .ok_or(CartError::NoCart)?;
        let version = store::advance_version(&txn, &cart).await?;
        store::set_coupon(&txn, cart.id, Some(&code), version).await?;
        let state = state_of(&txn, cart.id).await?;
        txn.commit().await?;
        Ok(self.price(state).await?)
    }

    pub async fn remove_coupon(&self, user: Uuid) -> ChangeResult {
        let txn = begin_write(&self.db).await?;
        let cart = store::lock_cart_of_user(&txn, user)
            .await?
            .ok_or(CartError::NoCart)?;
        if cart.coupon_code.is_some() {
            let version = store::advance_version(&txn, &cart).await?;
            store::set_coupon(&txn, cart.id, None, version).await?;
        }
        let state = state_of(&txn, cart.id).await?;
        txn.commit().await?;
        Ok(self.price(state).await?)
    }

    /// What checkout takes from the user's cart: its version and its lines, read together.
    pub async fn snapshot(&self, user: Uuid) -> Result<CartSnapshot, DbErr> {
        let txn = store::begin_read(&self.db).await?;
        let Some(cart) = store::cart_of_user(&txn, user).await? else {
            return Ok(CartSnapshot {
                cart_id: None,
                version: 0,
                lines: Vec::new(),
                coupon_code: None,
            });
        };
        let lines = store::lines_of(&txn, cart.id).await?;
        txn.commit().await?;
        Ok(CartSnapshot {
            cart_id: Some(cart.id),
            version: cart.version,
            lines: lines
                .iter()
                .map(|l| Line {
                    variant_id: l.variant_id,
                    quantity: i64::from(l.quantity),
                })
                .collect(),
            coupon_code: cart.coupon_code,
        })
    }

    /// Empties a cart of what was checked out at `version`; false when there is no such cart.
    pub async fn clear(&self, cart_id: Uuid, version: i64) -> Result<bool, DbErr> {
        let txn = begin_write(&self.db).await?;
        let cleared = clear_in(&txn, cart_id, version, None).await?;
        txn.commit().await?;
        Ok(cleared)
    }

    async fn price(&self, state: CartState) -> ApiResult<PricedCart> {
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

/// Removes the lines that last changed at or before `version` and a coupon applied by then,
/// in the caller's transaction. Lines changed later stay, and a repeat changes nothing.
/// With `owner`, a cart of someone else is left alone (false).
pub async fn clear_in(
    conn: &impl ConnectionTrait,
    cart_id: Uuid,
    version: i64,
    owner: Option<Uuid>,
) -> Result<bool, DbErr> {
    let Some(cart) = store::lock_cart(conn, cart_id).await? else {
        return Ok(false);
    };
    if owner.is_some_and(|owner| owner != cart.user_id) {
        return Ok(false);
    }
    let removed = store::delete_lines_up_to(conn, cart.id, version).await?;
    let coupon_checked_out = cart.coupon_version.is_some_and(|v| v <= version);
    if removed > 0 || coupon_checked_out {
        let next = store::advance_version(conn, &cart).await?;
        if coupon_checked_out {
            store::set_coupon(conn, cart.id, None, next).await?;
        }
    }
    Ok(true)
}

async fn state_of(conn: &impl ConnectionTrait, cart_id: Uuid) -> Result<CartState, DbErr> {
    let cart = store::cart_by_id(conn, cart_id)
        .await?
        .ok_or_else(|| DbErr::RecordNotFound(format!("cart {cart_id}")))?;
    let lines = store::lines_of(conn, cart_id).await?;
    Ok(CartState { cart, lines })
}

#[cfg(test)]
mod tests {
    use micromall_kit::testing::{Backend, TestDatabase, backends};
    use micromall_migrations::cart::Migrator;

    use super::*;

    async fn database(backend: Backend) -> DatabaseConnection {
        let db = TestDatabase::create(backend).await.expect("test database");
        micromall_kit::db::connect::<Migrator>(&db.url)
            .await
            .expect("migrated")
    }

    /// A cart whose versions 1, 2 and 4 added a line each and version 3 applied a coupon.
    async fn cart_with_history(db: &DatabaseConnection, user: Uuid) -> cart::Model {
        let txn = begin_write(db).await.unwrap();
        store::ensure_cart(&txn, user).await.unwrap();
        let mut cart = store::lock_cart_of_user(&txn, user).await.unwrap().unwrap();
        for step in 1..=4 {
            cart.version = store::advance_version(&txn, &cart).await.unwrap();
            if step == 3 {
                store::set_coupon(&txn, cart.id, Some("SPRING"), cart.version)
                    .await
                    .unwrap();
            } else {
                store::insert_line(&txn, cart.id, Uuid::now_v7(), 1, cart.version)
                    .await
                    .unwrap();
            }
        }
        txn.commit().await.unwrap();
        cart
    }

    async fn clear(db: &DatabaseConnection, cart: Uuid, version: i64, owner: Option<Uuid>) -> bool {
        let txn = begin_write(db).await.unwrap();
        let cleared = clear_in(&txn, cart, version, owner).await.unwrap();
        txn.commit().await.unwrap();
        cleared
    }

    #[tokio::test]
    async fn clearing_takes_what_was_checked_out_and_nothing_newer() {
        for backend in backends() {
            let db = database(backend).await;
            let user = Uuid::now_v7();
            let cart = cart_with_history(&db, user).await;

            assert!(clear(&db, cart.id, 3, Some(user)).await);
            let after = store::cart_by_id(&db, cart.id).await.unwrap().unwrap();
            let lines = store::lines_of(&db, cart.id).await.unwrap();
            assert_eq!(
                lines.iter().map(|l| l.version).collect::<Vec<_>>(),
                [4],
                "{backend:?}"
            );
            assert_eq!(after.coupon_code, None, "applied at 3, checked out");
            assert_eq!(after.version, 5);

            // Again: nothing left to take, not even a new version.
            assert!(clear(&db, cart.id, 3, None).await);
            assert_eq!(store::cart_by_id(&db, cart.id).await.unwrap(), Some(after));

            // A coupon applied after the checkout stays.
            let txn = begin_write(&db).await.unwrap();
            let locked = store::lock_cart(&txn, cart.id).await.unwrap().unwrap();
            let version = store::advance_version(&txn, &locked).await.unwrap();
            store::set_coupon(&txn, cart.id, Some("LATER"), version)
                .await
                .unwrap();
            txn.commit().await.unwrap();
            clear(&db, cart.id, 3, None).await;
            let kept = store::cart_by_id(&db, cart.id).await.unwrap().unwrap();
            assert_eq!(kept.coupon_code.as_deref(), Some("LATER"));

            // Another customer's order does not touch this cart; an unknown cart is no error.
            assert!(!clear(&db, cart.id, 100, Some(Uuid::now_v7())).await);
            assert_eq!(store::lines_of(&db, cart.id).await.unwrap().len(), 1);
            assert!(!clear(&db, Uuid::now_v7(), 1, None).await);
        }
    }
}
