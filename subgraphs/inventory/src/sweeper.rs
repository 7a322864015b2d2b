//! Gives back holds whose time ran out (an order that was never paid nor cancelled).

use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use tokio_util::sync::CancellationToken;

use crate::service::Inventory;

const INTERVAL: Duration = Duration::from_secs(1);
/// Holds released per transaction round; more wait for the next tick.
const BATCH: u64 = 100;

pub fn spawn(inventory: Arc<Inventory>, shutdown: CancellationToken) {
    tokio::spawn(async move {
        loop {
            tokio::select! {
                _ = shutdown.cancelled() => break,
                _ = tokio::time::sleep(INTERVAL) => {}
            }
            match inventory.release_expired(Utc::now(), BATCH).await {
                Ok(0) => {}
                Ok(n) => tracing::info!(released = n, "expired holds released"),
                Err(err) => {
                    tracing::warn!(error = ?err, "releasing expired holds failed; will retry")
                }
            }
        }
    });
}
