//! Settles what a provider left unanswered. A refund whose provider call ended without an
//! answer stays `PENDING` (the provider may have made it); every `[payments] reconcile_every`
//! it is sent again under the same refund id, which the provider answers with the refund it
//! made (or makes it now), so the money goes back once and orders learns of it.

use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use tokio_util::sync::CancellationToken;

use crate::service::Payments;

pub fn spawn(
    payments: Arc<Payments>,
    every: Duration,
    provider_timeout: Duration,
    shutdown: CancellationToken,
) {
    // A refund touched less than two provider timeouts ago may still be in flight.
    let in_flight =
        chrono::TimeDelta::from_std(provider_timeout * 2).unwrap_or(chrono::TimeDelta::MAX);
    tokio::spawn(async move {
        loop {
            tokio::select! {
                _ = shutdown.cancelled() => break,
                _ = tokio::time::sleep(every) => {}
            }
            let before = Utc::now()
                .checked_sub_signed(in_flight)
                .unwrap_or(chrono::DateTime::<Utc>::MIN_UTC);
            payments.reconcile_refunds(before).await;
        }
    });
}

impl Payments {
    /// Asks the provider again about every refund left unsettled before `before`.
    pub async fn reconcile_refunds(&self, before: chrono::DateTime<Utc>) {
        let unsettled = match self.unsettled_refunds(before).await {
            Ok(unsettled) => unsettled,
            Err(err) => {
                tracing::warn!(error = %err, "cannot list unsettled refunds; will retry");
                return;
            }
        };
        for refund in unsettled {
            match self
                .refund_payment(refund.payment_id, None, None, refund.id, None)
                .await
            {
                Ok(Ok(_)) => tracing::info!(refund_id = %refund.id, "unsettled refund settled"),
                Ok(Err(errors)) => {
                    tracing::warn!(refund_id = %refund.id, code = %errors[0].code, message = %errors[0].message, "unsettled refund refused")
                }
                Err(err) => {
                    tracing::info!(refund_id = %refund.id, error = ?err, "refund still unsettled; will ask again")
                }
            }
        }
    }
}
