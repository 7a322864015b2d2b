//! The index follows catalog: changed products are (re)indexed, archived ones removed, and
//! changes are committed a few times a second.

use std::time::Duration;

use tokio_util::sync::CancellationToken;
use uuid::Uuid;

use super::Search;
use crate::store::ProductDoc;

impl Search {
    /// Indexes the product as catalog now describes it; by id, so a repeat is harmless.
    pub async fn index(&self, doc: &ProductDoc) -> anyhow::Result<()> {
        self.engine.upsert(doc).await
    }

    /// Takes an archived product out of the index.
    pub async fn remove(&self, id: Uuid) -> anyhow::Result<()> {
        self.engine.remove(id).await
    }

    /// Commits the index a few times a second when it changed, so a change is searchable
    /// well within a second without paying a commit per event; commits once more at
    /// shutdown.
    pub fn spawn_committer(&self, shutdown: CancellationToken) {
        let engine = self.engine.clone();
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
}
