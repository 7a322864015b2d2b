//! A coupon's budget: checkout holds one use per order, payment makes it used, cancellation
//! gives it back. Every move is conditional on the use's current state, so repeats (an event
//! delivered twice, a retried call) change nothing.

use micromall_kit::contracts::marketing::{HoldRequest, Released};
use micromall_kit::contracts::orders;
use micromall_kit::db::begin_write;
use micromall_kit::internal::CallError;
use micromall_kit::refuse;
use sea_orm::{ConnectionTrait, DbErr};
use uuid::Uuid;

use super::pricing::{coupon_for, standing_terms};
use super::{Done, Marketing, now};
use crate::entity::coupon_use::{HELD, RELEASED, USED};
use crate::refusal::Refusal;
use crate::rules::standing::{self, Issue};
use crate::store;

impl Marketing {
    /// Holds one use of the coupon for the order, or says why it cannot be used. The usage
    /// limit is checked and the use taken in one statement under the coupon's row lock, and
    /// the customer's own uses are counted under that same lock: of any number of checkouts
    /// racing for the last use, exactly one gets it.
    pub async fn hold(&self, request: &HoldRequest) -> Done<bool> {
        let txn = begin_write(&self.db).await?;
        if let Some(existing) = store::use_of_order(&txn, request.order_id).await? {
            return Ok(existing.state != RELEASED);
        }
        // Read in the write transaction: on SQLite a second connection could wait behind
        // every other hold for the pool.
        let Some(coupon) = coupon_for(&txn, &request.coupon_code).await? else {
            return refuse(Refusal::Coupon(Issue::Unknown));
        };
        // Window and switch first (the minimum was checked when the order was priced).
        if let Some(issue) = standing::issue(&standing_terms(&coupon), now(), None, 0)
            .filter(|issue| *issue != Issue::UsedUp)
        {
            return refuse(Refusal::Coupon(issue));
        }
        if !store::take_use(&txn, coupon.id).await? {
            txn.rollback().await?;
            return refuse(Refusal::Coupon(Issue::UsedUp));
        }
        if let Some(limit) = coupon.per_customer_limit {
            let taken = store::customer_uses(&txn, coupon.id, request.customer_id).await?;
            if taken >= limit {
                txn.rollback().await?;
                return refuse(Refusal::Coupon(Issue::UsedUpByCustomer));
            }
        }
        store::insert_use(
            &txn,
            request.order_id,
            coupon.id,
            request.customer_id,
            now(),
        )
        .await?;
        txn.commit().await?;
        Ok(true)
    }

    /// Checks the oldest uses held longer than a checkout can take with orders: an order
    /// that does not exist (its checkout failed) or was cancelled frees its use, a paid one
    /// makes it used, an unpaid one is left for its payment or cancellation. How many were
    /// settled.
    pub async fn settle_stale_holds(&self) -> Result<usize, anyhow::Error> {
        let held = store::stale_holds(&self.db, now() - self.hold_check_after, STALE_BATCH).await?;
        let mut settled = 0;
        for order_id in held {
            let asked: Result<orders::OrderFacts, CallError> = self
                .services
                .call(
                    orders::SERVICE,
                    orders::ORDER,
                    &orders::OrderRequest { order_id },
                )
                .await;
            let txn = begin_write(&self.db).await?;
            let changed = match asked {
                Err(CallError::Refused { .. }) => release_in(&txn, order_id).await?,
                Ok(order) if order.status == "CANCELLED" => release_in(&txn, order_id).await?,
                Ok(order) if order.status != "PENDING_PAYMENT" => used_in(&txn, order_id).await?,
                Ok(_) => {
                    store::touch_use(&txn, order_id, now()).await?;
                    false
                }
                Err(err) => return Err(err.into()),
            };
            txn.commit().await?;
            settled += usize::from(changed);
        }
        Ok(settled)
    }

    /// Gives the order's use back (checkout failed after holding it).
    pub async fn release(&self, order_id: Uuid) -> Done<Released> {
        let txn = begin_write(&self.db).await?;
        let released = release_in(&txn, order_id).await?;
        txn.commit().await?;
        Ok(Released { released })
    }
}

/// Uses checked per sweep.
const STALE_BATCH: u64 = 50;

/// The order was cancelled: its use, held or used, is free again.
pub async fn release_in(conn: &impl ConnectionTrait, order_id: Uuid) -> Result<bool, DbErr> {
    let Some(found) = store::use_of_order(conn, order_id).await? else {
        return Ok(false);
    };
    let now = now();
    if store::move_use(conn, order_id, &[HELD], RELEASED, now).await? {
        store::count_uses(conn, found.coupon_id, -1, 0).await?;
        return Ok(true);
    }
    if store::move_use(conn, order_id, &[USED], RELEASED, now).await? {
        store::count_uses(conn, found.coupon_id, -1, -1).await?;
        return Ok(true);
    }
    Ok(false)
}

/// The order was paid: its held use is now used.
pub async fn used_in(conn: &impl ConnectionTrait, order_id: Uuid) -> Result<bool, DbErr> {
    let Some(found) = store::use_of_order(conn, order_id).await? else {
        return Ok(false);
    };
    if store::move_use(conn, order_id, &[HELD], USED, now()).await? {
        store::count_uses(conn, found.coupon_id, 0, 1).await?;
        return Ok(true);
    }
    Ok(false)
}
