//! Settles what a provider left unanswered: a refund whose provider call ended without an
//! answer stays `PENDING` (the provider may have made it) and is sent again under the same
//! refund id, which the provider answers with the refund it made (or makes it now), so the
//! money goes back once and orders learns of it. `reconciler` runs this on a timer.

use chrono::{DateTime, Utc};
use micromall_kit::{DomainError, DomainRefusal};

use super::Payments;
use crate::store;

impl Payments {
    /// Asks the provider again about every refund left unsettled before `before`.
    pub async fn reconcile_refunds(&self, before: DateTime<Utc>) {
        let unsettled = match store::unsettled_refunds(&self.db, before).await {
            Ok(unsettled) => unsettled,
            Err(err) => {
                tracing::warn!(error = %err, "cannot list unsettled refunds; will retry");
                return;
            }
        };
        for refund in unsettled {
            match self
                .refund_payment(refund.payment_id, None, None, refund.id)
                .await
            {
                Ok(_) => tracing::info!(refund_id = %refund.id, "unsettled refund settled"),
                Err(DomainError::Refused(refusal)) => {
                    tracing::warn!(refund_id = %refund.id, code = refusal.code(), message = %refusal.message(), "unsettled refund refused")
                }
                Err(DomainError::Failed(err)) => {
                    tracing::info!(refund_id = %refund.id, error = ?err, "refund still unsettled; will ask again")
                }
            }
        }
    }
}
