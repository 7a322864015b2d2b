//! Settles shipments left pending (a crash between holding the lines and confirming them,
//! or orders unreachable at the time), every few seconds until shutdown.

use std::sync::Arc;
use std::time::Duration;

use tokio_util::sync::CancellationToken;

use crate::service::Shipping;

const EVERY: Duration = Duration::from_secs(15);

pub fn spawn(shipping: Arc<Shipping>, shutdown: CancellationToken) {
    tokio::spawn(async move {
        loop {
            tokio::select! {
                _ = shutdown.cancelled() => return,
                _ = tokio::time::sleep(EVERY) => {}
            }
            match shipping.settle_stuck().await {
                Ok(0) => {}
                Ok(settled) => tracing::info!(settled, "pending shipments settled"),
                Err(err) => {
                    tracing::warn!(error = %err, "pending shipments not settled; will retry")
                }
            }
        }
    });
}
