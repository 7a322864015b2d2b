//! Settles coupon uses held for orders that will never be paid or cancelled through an
//! event: a checkout that held a use and then failed without reaching marketing to give it
//! back (the order was never made). Every `hold_sweep_interval`, the oldest uses held for
//! longer than `hold_check_after` are checked with orders.

use std::sync::Arc;
use std::time::Duration;

use tokio_util::sync::CancellationToken;

use crate::service::Marketing;

pub fn spawn(marketing: Arc<Marketing>, every: Duration, shutdown: CancellationToken) {
    tokio::spawn(async move {
        loop {
            tokio::select! {
                _ = shutdown.cancelled() => return,
                _ = tokio::time::sleep(every) => {}
            }
            match marketing.settle_stale_holds().await {
                Ok(0) => {}
                Ok(settled) => tracing::info!(settled, "stale coupon holds settled"),
                Err(err) => {
                    tracing::warn!(error = %err, "stale coupon holds not settled; will retry")
                }
            }
        }
    });
}
