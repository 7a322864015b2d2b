//! What payments does on its own when money must go back: an order cancelled after payment
//! is refunded, and a capture that arrives for a cancelled order is refunded in full. Refund
//! ids are derived from the event, so a redelivered event never refunds twice. (An order
//! cannot be captured twice: at most one payment per order is active, by a unique index.)

use micromall_kit::contracts::payments::PaymentEvent;
use micromall_kit::db::begin_write;
use micromall_kit::{DomainError, DomainRefusal};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use super::Payments;
use crate::status::PaymentStatus;
use crate::store;

impl Payments {
    /// The order was cancelled: what waits for the provider is voided, what was captured is
    /// given back.
    pub async fn order_cancelled(&self, event_id: Uuid, order_id: Uuid) -> anyhow::Result<()> {
        // First record the cancellation and void what is still waiting for the provider, so
        // a capture committed from now on finds the order cancelled and is refunded by the
        // captured-event consumer.
        let txn = begin_write(&self.db).await?;
        store::record_cancelled_order(&txn, order_id).await?;
        store::cancel_pending_payments(&txn, order_id).await?;
        txn.commit().await?;
        // Then give back what was captured before. Every step is idempotent, so a failed
        // refund is simply retried with the redelivered event.
        // A payment already counted as refunded may be so only by this event's own refund,
        // still unsettled from an earlier attempt: asking again with the same refund id
        // settles it (or finds it done).
        for captured in store::payments_of_orders(&self.db, &[order_id]).await? {
            if PaymentStatus::parse(&captured.status).is_some_and(PaymentStatus::was_captured) {
                self.refund_in_full(event_id, captured.id, "order cancelled")
                    .await?;
            }
        }
        Ok(())
    }

    /// A payment was captured: if its order was cancelled meanwhile, the money goes back.
    pub async fn payment_captured(
        &self,
        event_id: Uuid,
        captured: &PaymentEvent,
    ) -> anyhow::Result<()> {
        if store::is_cancelled(&self.db, captured.order_id).await? {
            self.refund_in_full(
                event_id,
                captured.payment_id,
                "captured after the order was cancelled",
            )
            .await?;
        }
        Ok(())
    }

    async fn refund_in_full(
        &self,
        event_id: Uuid,
        payment_id: Uuid,
        reason: &str,
    ) -> anyhow::Result<()> {
        let refund_id = derived_id(event_id, payment_id);
        match self
            .refund_payment(payment_id, None, Some(reason.to_owned()), refund_id)
            .await
        {
            Ok(_) => Ok(()),
            // Nothing is held any more (refunded in full already, say), or the provider
            // refused for good: retrying would not help.
            Err(DomainError::Refused(refusal)) => {
                tracing::warn!(%payment_id, code = refusal.code(), message = %refusal.message(), "automatic refund not made");
                Ok(())
            }
            Err(DomainError::Failed(err)) => {
                Err(anyhow::anyhow!("automatic refund failed: {err:?}"))
            }
        }
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
