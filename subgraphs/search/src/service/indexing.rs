//! The index follows catalog and reviews: changed products are (re)indexed with the rating
//! search keeps for them, archived ones removed, a rating change re-indexes its product.
//! Changes gather in memory and are written a few times a second: what search keeps of them
//! in its database in a few statements, then the index, then one commit; so a change is
//! searchable well within a second without paying a commit (or a database write) per event.

use std::collections::HashMap;
use std::collections::hash_map::Entry;
use std::sync::Arc;
use std::time::Duration;

use micromall_kit::contracts::reviews::RatingChanged;
use micromall_kit::db::begin_write;
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

use super::Search;
use crate::store::{ProductDoc, learned};

/// How often pending changes are written and committed.
const COMMIT_EVERY: Duration = Duration::from_millis(200);

/// Changes not yet written: by product, its new catalog description, or `None` once
/// archived.
pub(super) type Pending = HashMap<Uuid, Option<ProductDoc>>;

impl Search {
    /// Indexes the product as catalog now describes it, with the rating search kept for it;
    /// by id, so a repeat is harmless.
    pub async fn index(&self, doc: &ProductDoc) -> anyhow::Result<()> {
        self.pending.lock().await.insert(doc.id, Some(doc.clone()));
        Ok(())
    }

    /// Takes an archived product out of the index (its rating is kept).
    pub async fn remove(&self, id: Uuid) -> anyhow::Result<()> {
        self.pending.lock().await.insert(id, None);
        Ok(())
    }

    /// Keeps the product's new rating (an older version arriving late changes nothing) and
    /// has the product indexed again with the rating kept.
    pub async fn rating_changed(&self, change: &RatingChanged) -> anyhow::Result<()> {
        // After any write in progress, so the description read is the latest written.
        let _writing = self.writing.lock().await;
        learned::keep_rating(&self.db, change).await?;
        let mut pending = self.pending.lock().await;
        if let Entry::Vacant(slot) = pending.entry(change.product_id) {
            // Not in the shop (yet): catalog's description will bring the rating along.
            if let Some(doc) = learned::description(&self.db, change.product_id).await? {
                slot.insert(Some(doc));
            }
        }
        Ok(())
    }

    /// Writes the pending changes (search's database, then the index) and commits the
    /// index. Catalog's events keep arriving meanwhile; changes that fail to be written are
    /// pending again (unless a newer one came), so the next turn retries them.
    pub async fn write_pending(&self) -> anyhow::Result<()> {
        {
            let _writing = self.writing.lock().await;
            let batch = std::mem::take(&mut *self.pending.lock().await);
            if !batch.is_empty()
                && let Err(err) = self.write(&batch).await
            {
                let mut pending = self.pending.lock().await;
                for (id, change) in batch {
                    pending.entry(id).or_insert(change);
                }
                return Err(err);
            }
        }
        self.engine.commit().await
    }

    async fn write(&self, pending: &Pending) -> anyhow::Result<()> {
        let described: Vec<&ProductDoc> = pending.values().flatten().collect();
        let archived: Vec<Uuid> = pending
            .iter()
            .filter(|(_, doc)| doc.is_none())
            .map(|(id, _)| *id)
            .collect();
        let ids: Vec<Uuid> = described.iter().map(|doc| doc.id).collect();
        let txn = begin_write(&self.db).await?;
        learned::describe(&txn, &described).await?;
        learned::forget(&txn, &archived).await?;
        let ratings = learned::ratings(&txn, &ids).await?;
        txn.commit().await?;
        for doc in described {
            let rating = ratings.get(&doc.id).copied().unwrap_or(0.0);
            self.engine
                .upsert(&ProductDoc {
                    rating,
                    ..doc.clone()
                })
                .await?;
        }
        for id in archived {
            self.engine.remove(id).await?;
        }
        Ok(())
    }

    /// Writes and commits pending changes a few times a second, and once more at shutdown.
    /// Turns keep to the clock: after a slow commit the next turn starts at once, so a
    /// change waits for at most the commit in progress and its own.
    pub fn spawn_committer(self: &Arc<Self>, shutdown: CancellationToken) {
        let search = self.clone();
        tokio::spawn(async move {
            let mut turns = tokio::time::interval(COMMIT_EVERY);
            loop {
                let stop = tokio::select! {
                    _ = shutdown.cancelled() => true,
                    _ = turns.tick() => false,
                };
                if let Err(err) = search.write_pending().await {
                    tracing::warn!(error = ?err, "writing search index changes failed; will retry");
                }
                if stop {
                    break;
                }
            }
        });
    }
}
