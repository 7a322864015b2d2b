//! Deletes guest carts nobody has used for `guest_idle_ttl`, a batch at a time, until
//! shutdown.

use std::sync::Arc;
use std::time::Duration;

use tokio_util::sync::CancellationToken;

use crate::service::Carts;

pub fn spawn(carts: Arc<Carts>, ttl: Duration, shutdown: CancellationToken) {
    // Often enough that a cart outlives its time by a quarter of it at most.
    let every = (ttl / 4).clamp(Duration::from_millis(100), Duration::from_secs(600));
    let ttl = chrono::TimeDelta::from_std(ttl).unwrap_or(chrono::TimeDelta::MAX);
    tokio::spawn(async move {
        loop {
            tokio::select! {
                _ = shutdown.cancelled() => return,
                _ = tokio::time::sleep(every) => {}
            }
            match carts.expire_guests(ttl).await {
                Ok(0) => {}
                Ok(expired) => tracing::info!(expired, "idle guest carts deleted"),
                Err(err) => {
                    tracing::warn!(error = %err, "idle guest carts not deleted; will retry")
                }
            }
        }
    });
}
