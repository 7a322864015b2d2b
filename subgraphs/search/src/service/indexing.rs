//! The index follows catalog and reviews: changed products are (re)indexed with the rating
//! search keeps for them, archived ones removed, a rating change re-indexes its product;
//! changes are committed a few times a second.

use std::time::Duration;

use micromall_kit::contracts::reviews::RatingChanged;
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

use super::Search;
use crate::store::{ProductDoc, learned};

impl Search {
    /// Indexes the product as catalog now describes it, with the rating search kept for it;
    /// by id, so a repeat is harmless.
    pub async fn index(&self, doc: &ProductDoc) -> anyhow::Result<()> {
        let _turn = self.indexing.lock().await;
        learned::keep_source(&self.db, doc).await?;
        let rating = learned::rating_of(&self.db, doc.id).await?;
        self.engine
            .upsert(&ProductDoc {
                rating,
                ..doc.clone()
            })
            .await
    }

    /// Takes an archived product out of the index (its rating is kept).
    pub async fn remove(&self, id: Uuid) -> anyhow::Result<()> {
        let _turn = self.indexing.lock().await;
        learned::forget_source(&self.db, id).await?;
        self.engine.remove(id).await
    }

    /// Keeps the product's new rating (an older version arriving late changes nothing) and
    /// re-indexes the product with the rating kept.
    pub async fn rating_changed(&self, change: &RatingChanged) -> anyhow::Result<()> {
        let _turn = self.indexing.lock().await;
        learned::keep_rating(&self.db, change).await?;
        let Some(doc) = learned::source(&self.db, change.product_id).await? else {
            // Not in the shop (yet): catalog's announcement will bring the rating along.
            return Ok(());
        };
        let rating = learned::rating_of(&self.db, change.product_id).await?;
        self.engine.upsert(&ProductDoc { rating, ..doc }).await
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
