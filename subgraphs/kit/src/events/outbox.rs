//! The transactional outbox and its relay.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use chrono::Utc;
use sea_orm::entity::prelude::*;
use sea_orm::{ConnectionTrait, DatabaseConnection, QueryOrder, QuerySelect, Set};
use serde::Serialize;
use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;

use super::{Event, EventBus};

mod entity {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "outbox")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub subject: String,
        pub payload: Json,
        pub occurred_at: DateTimeUtc,
        pub published_at: Option<DateTimeUtc>,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

const BATCH: u64 = 100;
const POLL_INTERVAL: Duration = Duration::from_millis(500);
const RETRY_BACKOFF: Duration = Duration::from_secs(2);

/// A subgraph's outbox: write events inside the caller's transaction, then `wake` the relay
/// after commit so delivery does not wait for the next poll.
#[derive(Clone, Default)]
pub struct Outbox {
    wake: Arc<Notify>,
    fault: Option<Arc<FaultPoint>>,
}

/// Crash-test fault injection (`MICROMALL_FAULT_ABORT_AFTER_COMMIT`): once an event with this
/// subject is written, the next `wake` (which callers make right after commit) aborts the
/// process, so the event is committed but not yet delivered.
struct FaultPoint {
    subject: String,
    armed: AtomicBool,
}

impl Outbox {
    /// An outbox, optionally with a crash-test fault point on one subject.
    pub fn new(abort_after_commit: Option<String>) -> Self {
        Self {
            wake: Arc::default(),
            fault: abort_after_commit.map(|subject| {
                Arc::new(FaultPoint {
                    subject,
                    armed: AtomicBool::new(false),
                })
            }),
        }
    }

    /// Writes an event in the caller's transaction; it is published only if that commits.
    pub async fn enqueue<C: ConnectionTrait>(
        &self,
        conn: &C,
        subject: &str,
        payload: &impl Serialize,
    ) -> Result<Uuid, DbErr> {
        let id = Uuid::now_v7();
        let payload = serde_json::to_value(payload)
            .map_err(|e| DbErr::Custom(format!("event payload: {e}")))?;
        entity::ActiveModel {
            id: Set(id),
            subject: Set(subject.to_owned()),
            payload: Set(payload),
            occurred_at: Set(Utc::now()),
            published_at: Set(None),
        }
        .insert(conn)
        .await?;
        if let Some(fault) = self.fault.as_ref().filter(|f| f.subject == subject) {
            fault.armed.store(true, Ordering::SeqCst);
        }
        Ok(id)
    }

    /// Tells the relay that committed events are waiting.
    pub fn wake(&self) {
        if let Some(fault) = self
            .fault
            .as_ref()
            .filter(|f| f.armed.load(Ordering::SeqCst))
        {
            tracing::error!(subject = %fault.subject, "fault injection: aborting after commit");
            std::process::abort();
        }
        self.wake.notify_one();
    }

    /// Runs the relay until `shutdown`, then publishes what is left once more.
    pub fn spawn_relay(
        &self,
        db: DatabaseConnection,
        bus: Arc<dyn EventBus>,
        shutdown: CancellationToken,
    ) -> tokio::task::JoinHandle<()> {
        let wake = self.wake.clone();
        tokio::spawn(async move {
            loop {
                let delay = match relay_batch(&db, bus.as_ref()).await {
                    Ok(n) if n as u64 == BATCH => continue,
                    Ok(_) => POLL_INTERVAL,
                    Err(err) => {
                        tracing::warn!(error = ?err, "outbox relay failed; will retry");
                        RETRY_BACKOFF
                    }
                };
                tokio::select! {
                    _ = shutdown.cancelled() => break,
                    _ = wake.notified() => {}
                    _ = tokio::time::sleep(delay) => {}
                }
            }
            if let Err(err) = relay_batch(&db, bus.as_ref()).await {
                tracing::warn!(error = ?err, "outbox flush at shutdown failed; events stay queued");
            }
        })
    }
}

/// Publishes up to one batch of pending events in order; stops at the first failure so order
/// is kept. Returns how many were published.
pub async fn relay_batch(db: &DatabaseConnection, bus: &dyn EventBus) -> anyhow::Result<usize> {
    let pending = entity::Entity::find()
        .filter(entity::Column::PublishedAt.is_null())
        .order_by_asc(entity::Column::Id)
        .limit(BATCH)
        .all(db)
        .await?;
    let mut published = 0;
    for row in pending {
        let event = Event {
            id: row.id,
            subject: row.subject.clone(),
            occurred_at: row.occurred_at,
            payload: row.payload.clone(),
        };
        bus.publish(&event).await?;
        entity::Entity::update_many()
            .col_expr(entity::Column::PublishedAt, Expr::value(Utc::now()))
            .filter(entity::Column::Id.eq(row.id))
            .exec(db)
            .await?;
        published += 1;
    }
    Ok(published)
}

/// How many events wait to be published (for health and tests).
pub async fn pending_count(db: &DatabaseConnection) -> Result<u64, DbErr> {
    entity::Entity::find()
        .filter(entity::Column::PublishedAt.is_null())
        .count(db)
        .await
}

/// Has every event published at or after `since` sent again; returns how many. For a restore
/// from copies of several databases taken one after another: an event one copy shows as
/// published may have reached a consumer only after that consumer's copy was taken. Sent
/// again, it reaches the consumers that miss it, and the others' inboxes drop it.
pub async fn republish_since(
    db: &DatabaseConnection,
    since: chrono::DateTime<Utc>,
) -> Result<u64, DbErr> {
    Ok(entity::Entity::update_many()
        .col_expr(
            entity::Column::PublishedAt,
            Expr::value(Option::<chrono::DateTime<Utc>>::None),
        )
        .filter(entity::Column::PublishedAt.gte(since))
        .exec(db)
        .await?
        .rows_affected)
}
