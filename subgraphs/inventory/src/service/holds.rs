//! Holds on stock for orders: set aside at checkout, taken when paid, given back when the
//! order is cancelled or the hold lapses. Every hold's lines are handled in variant-id order.

use chrono::{DateTime, Utc};
use micromall_kit::contracts::inventory::ReserveRequest;
use micromall_kit::db::{begin_write, is_unique_violation};
use micromall_kit::outcome::Verdict;
use micromall_kit::{DomainError, refuse};
use sea_orm::{DatabaseTransaction, DbErr};
use uuid::Uuid;

use super::Inventory;
use crate::entity::reservation;
use crate::refusal::Refusal;
use crate::rules::{self, EXPIRED, HoldStatus, MovementKind, OnPayment, OnRelease, OnReserveAgain};
use crate::store::{self, Movement};

fn status_of(hold: &reservation::Model) -> Result<HoldStatus, DbErr> {
    HoldStatus::parse(&hold.status)
        .ok_or_else(|| DbErr::Custom(format!("reservation {} is {}", hold.id, hold.status)))
}

/// The answer to a hold asked for again (callers retry).
fn asked_again(hold: &reservation::Model) -> Result<(), DomainError<Refusal>> {
    match status_of(hold)?.on_reserve_again() {
        OnReserveAgain::AlreadyHeld => Ok(()),
        OnReserveAgain::Refuse => refuse(Refusal::Released),
    }
}

impl Inventory {
    /// Sets the lines aside for the order, all of them or none.
    pub async fn reserve(&self, request: &ReserveRequest) -> Result<(), DomainError<Refusal>> {
        let lines = rules::hold_lines(&request.lines).or_refuse()?;
        let id = request.reservation_id;
        if let Some(hold) = store::reservation(&self.db, id).await? {
            return asked_again(&hold);
        }
        let now = Utc::now();
        let txn = begin_write(&self.db).await?;
        match store::insert_reservation(&txn, id, request.expires_at, now).await {
            Ok(()) => {}
            Err(err) if is_unique_violation(&err) => {
                // The same order asked twice at once; the other call won.
                txn.rollback().await?;
                return match store::reservation(&self.db, id).await? {
                    Some(hold) => asked_again(&hold),
                    None => Err(err.into()),
                };
            }
            Err(err) => return Err(err.into()),
        }
        for &(variant, quantity) in &lines {
            if !store::hold_if_available(&txn, variant, quantity, now).await? {
                txn.rollback().await?;
                return refuse(Refusal::OutOfStock(variant));
            }
        }
        store::insert_lines(&txn, id, &lines).await?;
        let variants: Vec<Uuid> = lines.iter().map(|(v, _)| *v).collect();
        let totals = store::stock_of(&txn, &variants).await?;
        let movements = lines
            .iter()
            .filter_map(|&(variant, quantity)| {
                let after = totals.get(&variant)?;
                Some(Movement::of_hold(
                    id,
                    variant,
                    MovementKind::Reserved,
                    quantity,
                    (after.on_hand, after.reserved),
                ))
            })
            .collect();
        self.record(&txn, movements, now).await?;
        txn.commit().await?;
        self.outbox.wake();
        Ok(())
    }

    /// Gives the order's stock back; false when there was nothing to give back.
    pub async fn release(&self, id: Uuid, reason: &str) -> Result<bool, DbErr> {
        let txn = begin_write(&self.db).await?;
        let released = self
            .release_in(&txn, id, &rules::clean_reason(reason))
            .await?;
        txn.commit().await?;
        self.outbox.wake();
        Ok(released)
    }

    /// `release` in the caller's transaction.
    pub(crate) async fn release_in(
        &self,
        txn: &DatabaseTransaction,
        id: Uuid,
        reason: &str,
    ) -> Result<bool, DbErr> {
        let Some(hold) = store::lock_reservation(txn, id).await? else {
            return Ok(false);
        };
        self.release_locked(txn, &hold, reason, Utc::now()).await
    }

    async fn release_locked(
        &self,
        txn: &DatabaseTransaction,
        hold: &reservation::Model,
        reason: &str,
        now: DateTime<Utc>,
    ) -> Result<bool, DbErr> {
        let (effect, next) = status_of(hold)?.on_release();
        let lines = store::lines_of(txn, hold.id).await?;
        let movements = match effect {
            OnRelease::Nothing => return Ok(false),
            OnRelease::FreeHold => self.give_back(txn, hold.id, &lines, false, now).await?,
            OnRelease::ReturnToShelves => self.give_back(txn, hold.id, &lines, true, now).await?,
        };
        store::set_reservation_status(txn, hold.id, next, Some(reason), now).await?;
        self.record(txn, movements, now).await?;
        Ok(true)
    }

    /// Gives a hold's goods back: an unpaid order's stop being reserved; a paid order's go
    /// back on the default warehouse's shelves.
    async fn give_back(
        &self,
        txn: &DatabaseTransaction,
        id: Uuid,
        lines: &[(Uuid, i64)],
        to_shelves: bool,
        now: DateTime<Utc>,
    ) -> Result<Vec<Movement>, DbErr> {
        let mut movements = Vec::with_capacity(lines.len());
        for &(variant, quantity) in lines {
            let before = store::lock_variant(txn, variant, now).await?;
            if !to_shelves {
                store::shift_totals(txn, variant, 0, -quantity, now).await?;
                movements.push(Movement::of_hold(
                    id,
                    variant,
                    MovementKind::Released,
                    -quantity,
                    (before.on_hand, before.reserved - quantity),
                ));
                continue;
            }
            let shelves = store::lock_shelves(txn, variant).await?;
            let shelf = shelves
                .iter()
                .find(|s| s.warehouse_id == self.default_warehouse);
            let on_shelf = shelf.map_or(0, |s| s.on_hand) + quantity;
            store::put_on_shelf(txn, shelf, variant, self.default_warehouse, on_shelf, now).await?;
            store::shift_totals(txn, variant, quantity, 0, now).await?;
            movements.push(
                Movement::of_hold(
                    id,
                    variant,
                    MovementKind::Returned,
                    quantity,
                    (before.on_hand + quantity, before.reserved),
                )
                .on_shelf(self.default_warehouse),
            );
        }
        Ok(movements)
    }

    /// The order was paid: its goods leave the shelves (in the caller's transaction).
    /// False when there was nothing to take.
    pub(crate) async fn commit_in(
        &self,
        txn: &DatabaseTransaction,
        id: Uuid,
    ) -> Result<bool, DbErr> {
        let Some(hold) = store::lock_reservation(txn, id).await? else {
            return Ok(false);
        };
        let (effect, next) = status_of(&hold)?.on_payment(hold.reason.as_deref());
        let (from_hold, note) = match effect {
            OnPayment::Nothing => {
                if next == HoldStatus::Released {
                    tracing::warn!(reservation = %id, reason = ?hold.reason, "payment for a released hold: stock not taken");
                }
                return Ok(false);
            }
            OnPayment::TakeHeld => (true, None),
            OnPayment::TakeAfterExpiry => (
                false,
                Some(format!(
                    "the hold had {EXPIRED} before the payment arrived; taken because the order was paid"
                )),
            ),
        };
        let now = Utc::now();
        let mut movements = Vec::new();
        for (variant, quantity) in store::lines_of(txn, id).await? {
            let before = store::lock_variant(txn, variant, now).await?;
            let shelves = store::lock_shelves(txn, variant).await?;
            let on_shelves: Vec<(Uuid, i64)> = shelves
                .iter()
                .map(|s| (s.warehouse_id, s.on_hand))
                .collect();
            let (mut on_hand, mut reserved) = (before.on_hand, before.reserved);
            for (warehouse, take) in
                rules::take_from_shelves(quantity, self.default_warehouse, &on_shelves)
            {
                let shelf = shelves.iter().find(|s| s.warehouse_id == warehouse);
                let left = shelf.map_or(0, |s| s.on_hand) - take;
                store::put_on_shelf(txn, shelf, variant, warehouse, left, now).await?;
                on_hand -= take;
                if from_hold {
                    reserved -= take;
                }
                movements.push(
                    Movement::of_hold(
                        id,
                        variant,
                        MovementKind::Committed,
                        -take,
                        (on_hand, reserved),
                    )
                    .on_shelf(warehouse)
                    .noted(note.clone()),
                );
            }
            let held = if from_hold { -quantity } else { 0 };
            store::shift_totals(txn, variant, -quantity, held, now).await?;
        }
        store::set_reservation_status(txn, id, next, None, now).await?;
        self.record(txn, movements, now).await?;
        Ok(true)
    }

    /// Releases up to `limit` holds whose time was up at `now`; returns how many.
    pub async fn release_expired(&self, now: DateTime<Utc>, limit: u64) -> Result<usize, DbErr> {
        let mut released = 0;
        for id in store::expired_holds(&self.db, now, limit).await? {
            let txn = begin_write(&self.db).await?;
            // Looked at again under the lock: the order may have been paid meanwhile.
            let Some(hold) = store::lock_reservation(&txn, id).await? else {
                continue;
            };
            if status_of(&hold)? == HoldStatus::Held
                && hold.expires_at <= now
                && self.release_locked(&txn, &hold, EXPIRED, now).await?
            {
                released += 1;
            }
            txn.commit().await?;
            self.outbox.wake();
        }
        Ok(released)
    }
}
