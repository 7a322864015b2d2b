//! Status changes after checkout: cancellation by people, payment and refunds by payments'
//! events, and the payment timeout. Each is a compare-and-set on the status in one
//! transaction with its transition record and the event other domains act on.

use chrono::Utc;
use micromall_kit::auth::Viewer;
use micromall_kit::contracts::orders as events;
use micromall_kit::db::begin_write;
use micromall_kit::events::inbox;
use micromall_kit::{DomainError, refuse};
use sea_orm::{ConnectionTrait, DbErr};
use uuid::Uuid;

use super::Orders;
use crate::entity::order;
use crate::events::CONSUMER;
use crate::refusal::Refusal;
use crate::rules::{MANAGE, OrderStatus};
use crate::store;

/// How many overdue orders one sweep cancels before looking again.
const SWEEP_BATCH: u64 = 100;

impl Orders {
    /// `cancelOrder`: the customer, or staff with `orders:manage`, until the order ships.
    pub async fn cancel(
        &self,
        viewer: &Viewer,
        id: &str,
    ) -> Result<order::Model, DomainError<Refusal>> {
        let Some(order) = self.visible_order(viewer, id).await? else {
            return refuse(Refusal::NotFound);
        };
        let cause = if viewer.user_id == Some(order.customer_id) {
            "cancelled by the customer"
        } else if viewer.has_scope(MANAGE) {
            "cancelled by staff"
        } else {
            return refuse(Refusal::NotFound);
        };
        let txn = begin_write(&self.db).await?;
        let moved = self
            .transition_in(&txn, order.id, OrderStatus::Cancelled, cause)
            .await?;
        txn.commit().await?;
        match moved {
            Some(order) => {
                self.outbox.wake();
                Ok(order)
            }
            None => {
                let status = store::order_by_id(&self.db, order.id)
                    .await?
                    .map(|o| o.status)
                    .unwrap_or_default();
                refuse(Refusal::NotCancellable { status })
            }
        }
    }

    /// Applies what payments reported (a capture pays the order, a full refund refunds it)
    /// once per event (`event_id`), with the status change. An order not in a status the
    /// event applies to stays as it is.
    pub async fn follow_payment(
        &self,
        event_id: Uuid,
        order_id: Uuid,
        to: OrderStatus,
        cause: &str,
    ) -> anyhow::Result<()> {
        if to == OrderStatus::Refunded {
            // On NATS the capture and the refund travel on different consumers: a refund seen
            // before its capture waits (redelivery) rather than being lost.
            let unpaid = store::order_by_id(&self.db, order_id)
                .await?
                .is_some_and(|o| o.status == OrderStatus::PendingPayment.as_str());
            if unpaid {
                anyhow::bail!("refund of order {order_id} arrived before its capture");
            }
        }
        let Some(txn) = inbox::begin_once(&self.db, CONSUMER, event_id).await? else {
            return Ok(());
        };
        let moved = self.transition_in(&txn, order_id, to, cause).await?;
        txn.commit().await?;
        match moved {
            Some(_) => self.outbox.wake(),
            // A capture for an order that was cancelled meanwhile: payments refunds it when
            // it learns of the cancellation.
            None => {
                tracing::info!(%order_id, to = to.as_str(), "order not in a state this event applies to")
            }
        }
        Ok(())
    }

    /// Moves the order to `to` from whatever status may legally precede it, records why, and
    /// writes the event that tells other domains. `None` when the order is not in such a
    /// status (or does not exist): nothing changed.
    pub(super) async fn transition_in<C: ConnectionTrait>(
        &self,
        txn: &C,
        order_id: Uuid,
        to: OrderStatus,
        cause: &str,
    ) -> Result<Option<order::Model>, DbErr> {
        self.transition_from(txn, order_id, &OrderStatus::sources_of(to), to, cause)
            .await
    }

    /// Like `transition_in`, but only from the given statuses.
    pub(super) async fn transition_from<C: ConnectionTrait>(
        &self,
        txn: &C,
        order_id: Uuid,
        from: &[OrderStatus],
        to: OrderStatus,
        cause: &str,
    ) -> Result<Option<order::Model>, DbErr> {
        let Some(order) = store::transition(txn, order_id, from, to, cause).await? else {
            return Ok(None);
        };
        let reference = events::OrderRef {
            order_id,
            customer_id: order.customer_id,
        };
        match to {
            OrderStatus::Paid => {
                self.outbox.enqueue(txn, events::PAID, &reference).await?;
            }
            OrderStatus::Cancelled => {
                self.outbox
                    .enqueue(txn, events::CANCELLED, &reference)
                    .await?;
            }
            _ => {}
        }
        Ok(Some(order))
    }

    /// Cancels unpaid orders whose payment time is up; their stock goes back through the
    /// cancellation event. Returns how many were cancelled.
    pub async fn cancel_overdue(&self) -> Result<usize, DbErr> {
        let overdue = store::overdue_orders(&self.db, Utc::now(), SWEEP_BATCH).await?;
        let mut cancelled = 0;
        for order in overdue {
            // Only an order still unpaid: one paid since the list was read stays paid.
            let moved = async {
                let txn = begin_write(&self.db).await?;
                let moved = self
                    .transition_from(
                        &txn,
                        order.id,
                        &[OrderStatus::PendingPayment],
                        OrderStatus::Cancelled,
                        "payment timeout",
                    )
                    .await?;
                txn.commit().await?;
                Ok::<_, DbErr>(moved)
            }
            .await;
            match moved {
                Ok(Some(_)) => cancelled += 1,
                Ok(None) => {}
                Err(err) => {
                    tracing::warn!(order_id = %order.id, error = %err, "could not cancel an overdue order; will retry")
                }
            }
        }
        if cancelled > 0 {
            self.outbox.wake();
            tracing::info!(
                cancelled,
                "unpaid orders cancelled after the payment timeout"
            );
        }
        Ok(cancelled)
    }
}
