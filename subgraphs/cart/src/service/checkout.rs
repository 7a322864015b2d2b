//! What checkout reads from the customer's cart, and emptying it of what an order took.

use micromall_kit::contracts::cart::CartSnapshot;
use micromall_kit::contracts::inventory::Line;
use micromall_kit::db::begin_write;
use sea_orm::{ConnectionTrait, DbErr};
use uuid::Uuid;

use super::Carts;
use crate::store;

impl Carts {
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

#[cfg(test)]
mod tests {
    use micromall_kit::testing::backends;
    use sea_orm::DatabaseConnection;

    use super::*;
    use crate::entity::cart;
    use crate::service::tests::database;

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
