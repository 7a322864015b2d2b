//! The index follows catalog: changed products are (re)indexed, archived ones removed.
//! Upserts by id make redelivery harmless.

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use micromall_kit::events::{Event, EventHandler};
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

use crate::engine::{ProductDoc, SearchEngine};

pub const PRODUCT_CHANGED: &str = "catalog.product.changed";
pub const PRODUCT_ARCHIVED: &str = "catalog.product.archived";

pub struct CatalogFollower(pub Arc<dyn SearchEngine>);

#[async_trait]
impl EventHandler for CatalogFollower {
    async fn handle(&self, event: &Event) -> anyhow::Result<()> {
        match event.subject.as_str() {
            PRODUCT_CHANGED => {
                let doc: ProductDoc = serde_json::from_value(event.payload.clone())?;
                self.0.upsert(&doc).await
            }
            PRODUCT_ARCHIVED => {
                let id: Uuid = serde_json::from_value(event.payload["id"].clone())?;
                self.0.remove(id).await
            }
            _ => Ok(()),
        }
    }
}

/// Commits the index a few times a second when it changed, so a change is searchable well
/// within a second without paying a commit per event; commits once more at shutdown.
pub fn spawn_committer(engine: Arc<dyn SearchEngine>, shutdown: CancellationToken) {
    tokio::spawn(async move {
        loop {
            let stop = tokio::select! {
                _ = shutdown.cancelled() => true,
                _ = tokio::time::sleep(Duration::from_millis(200)) => false,
            };
            if let Err(err) = engine.commit().await {
                tracing::warn!(error = ?err, "search index commit failed; will retry");
            }
            if stop {
                break;
            }
        }
    });
}
