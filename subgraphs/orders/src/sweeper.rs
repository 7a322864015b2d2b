//! Cancels orders left unpaid past `MICROMALL_ORDER_PAYMENT_TIMEOUT`. Deadlines live in the
//! database, so orders that fell due while the service was down are cancelled at start-up.

use std::sync::Arc;
use std::time::Duration;

use tokio_util::sync::CancellationToken;

use crate::service::Orders;

pub fn spawn(orders: Arc<Orders>, shutdown: CancellationToken) {
    // Often enough that a short timeout is honoured promptly, rarely enough to cost nothing.
    let every =
        (orders.payment_timeout / 4).clamp(Duration::from_millis(200), Duration::from_secs(5));
    tokio::spawn(async move {
        loop {
            if let Err(err) = orders.cancel_overdue().await {
                tracing::warn!(error = %err, "payment timeout sweep failed; will retry");
            }
            tokio::select! {
                _ = shutdown.cancelled() => break,
                _ = tokio::time::sleep(every) => {}
            }
        }
    });
}
