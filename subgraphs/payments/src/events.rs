//! What payments does on its own when money must go back: an order cancelled after payment
//! is refunded, and a capture that arrives for a cancelled order (or a second capture for an
//! already paid one) is refunded in full. Refund ids are derived from the event, so a
//! redelivered event never refunds twice.

use std::sync::Arc;

use async_trait::async_trait;
use chrono::Utc;
use micromall_kit::contracts::{orders, payments};
use micromall_kit::events::{Event, EventHandler, inbox};
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
        // Refunds first: if this fails the event comes again and finds them done.
        for held in payments_of_orders(&payments.db, &[order_id]).await? {
            if PaymentStatus::parse(&held.status).is_some_and(PaymentStatus::holds_money) {
                refund_in_full(payments, event_id, held.id, "order cancelled").await?;
            }
        }
        let Some(txn) = inbox::begin_once(&payments.db, CONSUMER, event_id).await? else {
            return Ok(());
        };
        cancelled_order::Entity::insert(cancelled_order::ActiveModel {
            order_id: Set(order_id),
            cancelled_at: Set(Utc::now()),
        })
        .on_conflict_do_nothing()
        .exec_without_returning(&txn)
        .await?;
        // Payments still waiting for the provider are void; a late capture is refunded.
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
        let paid_before = payments_of_orders(&payments.db, &[captured.order_id])
            .await?
            .iter()
            .any(|p| {
                p.id < captured.payment_id
                    && PaymentStatus::parse(&p.status).is_some_and(PaymentStatus::holds_money)
            });
        if cancelled || paid_before {
            let why = if cancelled {
                "captured after the order was cancelled"
            } else {
                "the order was already paid"
            };
            refund_in_full(payments, event_id, captured.payment_id, why).await?;
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
        // Nothing left to refund (already refunded in full, say).
        Ok(Err(errors)) => {
            tracing::info!(%payment_id, code = %errors[0].code, "automatic refund not needed");
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
