//! A provider's verified callback: the only way a payment's outcome is decided. Each of the
//! provider's event ids is applied once (a repeat is acknowledged and changes nothing), and
//! the payment's change and the event telling orders commit together.

use micromall_kit::db::begin_write;
use sea_orm::DbErr;

use super::Payments;
use crate::provider::Callback;
use crate::status::PaymentStatus;
use crate::{events, rules, store};

/// What became of a callback.
#[derive(Debug, PartialEq, Eq)]
pub enum Applied {
    Changed,
    Duplicate,
    /// Genuine but not applicable (unknown payment, already final).
    Ignored,
    /// Genuine, but about a different charge than the payment's (amount, currency, provider
    /// or charge reference differ): refused and not recorded, so it is never taken for
    /// the payment's outcome.
    Mismatched,
}

impl Payments {
    /// Applies a callback `provider` signed (its signature already verified).
    pub async fn apply_callback(
        &self,
        provider: &str,
        callback: &Callback,
    ) -> Result<Applied, DbErr> {
        let txn = begin_write(&self.db).await?;
        if !store::first_provider_event(&txn, provider, rules::event_id(callback)).await? {
            return Ok(Applied::Duplicate);
        }
        // Locked, so a concurrent cancellation of the order's payments waits for this change
        // (or this one sees it).
        let Some(payment) = store::lock_payment(&txn, callback.payment_id).await? else {
            tracing::warn!(payment_id = %callback.payment_id, "callback for an unknown payment");
            txn.commit().await?;
            return Ok(Applied::Ignored);
        };
        if !rules::matches_charge(&payment, provider, callback) {
            tracing::warn!(
                payment_id = %payment.id,
                event = %callback.event_id,
                expected_amount = %payment.amount,
                expected_currency = %payment.currency,
                amount = %callback.amount,
                currency = %callback.currency.chars().take(8).collect::<String>(),
                "payment callback refused: it does not match the payment's charge"
            );
            txn.rollback().await?;
            return Ok(Applied::Mismatched);
        }
        let Some(next) = rules::after_callback(&callback.outcome, &payment.status) else {
            txn.commit().await?;
            return Ok(Applied::Ignored);
        };
        let failure_reason = rules::failure_reason(&callback.outcome);
        store::decide_payment(
            &txn,
            &payment,
            next,
            &callback.charge_reference,
            failure_reason,
        )
        .await?;
        if next == PaymentStatus::Captured {
            events::captured(&self.outbox, &txn, &payment).await?;
        }
        txn.commit().await?;
        self.outbox.wake();
        Ok(Applied::Changed)
    }
}
