//! What payments does on its own when money must go back: an order cancelled after payment
//! is refunded, and a capture that arrives for a cancelled order is refunded in full. Refund
//! ids are derived from the event, so a redelivered event never refunds twice. (An order
//! cannot be captured twice: at most one payment per order is active, by a unique index.)

use std::sync::Arc;

use async_trait::async_trait;
use chrono::Utc;
use micromall_kit::contracts::{orders, payments};
use micromall_kit::db::begin_write;
use micromall_kit::events::{Event, EventHandler};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, Set};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::entity::{cancelled_order, payment};
use crate::service::{Payments, payments_of_orders};
use crate::status::PaymentStatus;

pub const CONSUMER: &str = "payments";
pub const SUBJECTS: &[&str] = &[orders::CANCELLED, payments::CAPTURED];

pub struct MoneyBack(pub Arc<Payments>);

#[async_trait]
impl EventHandler for MoneyBack {
    async fn handle(&self, event: &Event) -> anyhow::Result<()> {
        match event.subject.as_str() {
            orders::CANCELLED => {
                let order: orders::OrderRef = serde_json::from_value(event.payload.clone())?;
                self.order_cancelled(event.id, order.order_id).await
            }
            payments::CAPTURED => {
                let captured: payments::PaymentEvent =
                    serde_json::from_value(event.payload.clone())?;
                self.payment_captured(event.id, &captured).await
            }
            _ => Ok(()),
        }
    }
}

impl MoneyBack {
    async fn order_cancelled(&self, event_id: Uuid, order_id: Uuid) -> anyhow::Result<()> {
        let payments = &self.0;
        // First record the cancellation and void what is still waiting for the provider, so
        // a capture committed from now on finds the order cancelled and is refunded by the
        // captured-event consumer.
        let txn = begin_write(&payments.db).await?;
        cancelled_order::Entity::insert(cancelled_order::ActiveModel {
            order_id: Set(order_id),
            cancelled_at: Set(Utc::now()),
        })
        .on_conflict_do_nothing()
        .exec_without_returning(&txn)
        .await?;
        payment::Entity::update_many()
            .col_expr(
                payment::Column::Status,
                Expr::value(PaymentStatus::Cancelled.as_str()),
            )
            .col_expr(payment::Column::UpdatedAt, Expr::value(Utc::now()))
            .filter(payment::Column::OrderId.eq(order_id))
            .filter(payment::Column::Status.eq(PaymentStatus::Pending.as_str()))
            .exec(&txn)
            .await?;
        txn.commit().await?;
        // Then give back what was captured before. Every step is idempotent, so a failed
        // refund is simply retried with the redelivered event.
        // A payment already counted as refunded may be so only by this event's own refund,
        // still unsettled from an earlier attempt: asking again with the same refund id
        // settles it (or finds it done).
        for captured in payments_of_orders(&payments.db, &[order_id]).await? {
            if PaymentStatus::parse(&captured.status).is_some_and(PaymentStatus::was_captured) {
                refund_in_full(payments, event_id, captured.id, "order cancelled").await?;
            }
        }
        Ok(())
    }

    async fn payment_captured(
        &self,
        event_id: Uuid,
        captured: &payments::PaymentEvent,
    ) -> anyhow::Result<()> {
        let payments = &self.0;
        let cancelled = cancelled_order::Entity::find_by_id(captured.order_id)
            .one(&payments.db)
            .await?
            .is_some();
        if cancelled {
            refund_in_full(
                payments,
                event_id,
                captured.payment_id,
                "captured after the order was cancelled",
            )
            .await?;
        }
        Ok(())
    }
}

async fn refund_in_full(
    payments: &Payments,
    event_id: Uuid,
    payment_id: Uuid,
    reason: &str,
) -> anyhow::Result<()> {
    let refund_id = derived_id(event_id, payment_id);
    match payments
        .refund_payment(payment_id, None, Some(reason.to_owned()), refund_id, None)
        .await
    {
        Ok(Ok(_)) => Ok(()),
        // Nothing is held any more (refunded in full already, say), or the provider refused
        // for good: retrying would not help.
        Ok(Err(errors)) => {
            tracing::warn!(%payment_id, code = %errors[0].code, message = %errors[0].message, "automatic refund not made");
            Ok(())
        }
        Err(err) => Err(anyhow::anyhow!("automatic refund failed: {err:?}")),
    }
}

/// The same refund id every time one event asks for one payment's refund.
fn derived_id(event_id: Uuid, payment_id: Uuid) -> Uuid {
    let digest = Sha256::new()
        .chain_update(event_id.as_bytes())
        .chain_update(payment_id.as_bytes())
        .finalize();
    let mut bytes = [0u8; 16];
    bytes.copy_from_slice(&digest[..16]);
    uuid::Builder::from_random_bytes(bytes).into_uuid()
}
