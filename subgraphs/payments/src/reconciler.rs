//! Every `[payments] reconcile_every`, asks the provider again about refunds it left
//! unanswered (`Payments::reconcile_refunds`).

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
