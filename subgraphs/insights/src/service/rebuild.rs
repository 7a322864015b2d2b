//! Rebuilding the read model from scratch: empty it, then apply every journaled event again
//! in the order they happened. The figures after a rebuild are the figures before it.

use micromall_kit::db::begin_write;
use micromall_kit::events::Event;
use sea_orm::DbErr;

use super::Insights;
use super::intake::apply;
use crate::store;

/// Events applied per transaction.
const PAGE: u64 = 500;

impl Insights {
    /// How many events were replayed.
    pub async fn rebuild(&self) -> Result<usize, DbErr> {
        let txn = begin_write(&self.db).await?;
        store::clear_facts(&txn).await?;
        txn.commit().await?;
        let mut after = None;
        let mut replayed = 0;
        loop {
            let page = store::journal_page(&self.db, after, PAGE).await?;
            let Some(last) = page.last() else {
                return Ok(replayed);
            };
            after = Some((last.occurred_at, last.event_id));
            let txn = begin_write(&self.db).await?;
            for row in &page {
                let event = Event {
                    id: row.event_id,
                    subject: row.subject.clone(),
                    occurred_at: row.occurred_at,
                    payload: row.payload.clone(),
                };
                apply(&txn, &event).await?;
            }
            txn.commit().await?;
            replayed += page.len();
        }
    }
}
