//! Retries per event, then dead letters: one failing event never holds up the others.
//!
//! Every consumer's handler is wrapped (`Consumers::subscribe`). When the handler fails, the
//! event is written to the consumer's own database (`event_retries`) and the delivery is
//! acknowledged, so the in-process bus, the outbox relay and NATS move on to later events. A
//! worker per subgraph runs the due retries, waiting twice as long after each failure
//! (`[events] retry_base`); after `[events] max_attempts` attempts the row becomes a dead
//! letter, kept until an admin replays it (`micromall events replay ID`), which makes it due
//! again with its attempts reset. Handlers stay idempotent through the inbox, so a retry or a
//! replay applies an event's effect at most once.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};
use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, TimeDelta, Utc};
use sea_orm::entity::prelude::*;
use sea_orm::sea_query::Expr;
use sea_orm::{DatabaseConnection, QueryOrder, QuerySelect, Set};
use tokio_util::sync::CancellationToken;

use super::{Event, EventBus, EventHandler};
use crate::config::EventsSettings;
use crate::db::is_unique_violation;

mod entity {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "event_retries")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub consumer: String,
        pub event_id: Uuid,
        pub subject: String,
        pub payload: Json,
        pub occurred_at: DateTimeUtc,
        /// Attempts made so far, the first delivery included.
        pub attempts: i32,
        pub next_attempt_at: DateTimeUtc,
        pub last_error: String,
        /// `retrying` or `dead`.
        pub state: String,
        pub created_at: DateTimeUtc,
        pub updated_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

const RETRYING: &str = "retrying";
const DEAD: &str = "dead";
/// Due retries run per pass of the worker.
const BATCH: u64 = 50;
/// No retry waits longer than this, however many attempts came before.
const MAX_DELAY: Duration = Duration::from_secs(3600);
/// While an attempt runs, its row is not due; a worker that dies mid-attempt leaves it due
/// again after this.
const LEASE: TimeDelta = TimeDelta::minutes(5);
const MAX_ERROR_CHARS: usize = 1000;

/// One subgraph's event consumers, with their retries and dead letters in its database.
#[derive(Clone)]
pub struct Consumers {
    db: DatabaseConnection,
    settings: EventsSettings,
    handlers: Arc<RwLock<HashMap<String, Arc<dyn EventHandler>>>>,
}

impl Consumers {
    pub fn new(db: DatabaseConnection, settings: EventsSettings) -> Self {
        Self {
            db,
            settings,
            handlers: Arc::default(),
        }
    }

    /// Subscribes `handler` as the durable consumer `consumer`, behind the retry wrapper.
    pub async fn subscribe(
        &self,
        bus: &dyn EventBus,
        consumer: &str,
        subjects: &[&str],
        handler: Arc<dyn EventHandler>,
    ) -> anyhow::Result<()> {
        let wrapped = self.wrap(consumer, handler);
        bus.subscribe(consumer, subjects, wrapped).await
    }

    /// Subscribes `handler` as this replica's own consumer (`EventBus::subscribe_each_replica`),
    /// behind the retry wrapper; its retries are this replica's.
    pub async fn subscribe_each_replica(
        &self,
        bus: &dyn EventBus,
        consumer: &str,
        instance: &str,
        subjects: &[&str],
        handler: Arc<dyn EventHandler>,
    ) -> anyhow::Result<()> {
        let wrapped = self.wrap(&super::replica_consumer(consumer, instance), handler);
        bus.subscribe_each_replica(consumer, instance, subjects, wrapped)
            .await
    }

    fn wrap(&self, consumer: &str, handler: Arc<dyn EventHandler>) -> Arc<dyn EventHandler> {
        self.handlers
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .insert(consumer.to_owned(), handler.clone());
        Arc::new(Retrying {
            consumer: consumer.to_owned(),
            consumers: self.clone(),
            handler,
        })
    }

    /// Runs due retries until `shutdown`.
    pub fn spawn_worker(&self, shutdown: CancellationToken) -> tokio::task::JoinHandle<()> {
        let consumers = self.clone();
        let every =
            (self.settings.retry_base / 2).clamp(Duration::from_millis(50), Duration::from_secs(1));
        tokio::spawn(async move {
            loop {
                let delay = match consumers.run_due().await {
                    Ok(n) if n as u64 == BATCH => Duration::ZERO,
                    Ok(_) => every,
                    Err(err) => {
                        tracing::warn!(error = %err, "event retries failed to run; will try again");
                        every
                    }
                };
                tokio::select! {
                    _ = shutdown.cancelled() => break,
                    _ = tokio::time::sleep(delay) => {}
                }
            }
        })
    }

    /// Runs the retries that are due now; returns how many ran.
    pub async fn run_due(&self) -> anyhow::Result<usize> {
        let now = Utc::now();
        let due = entity::Entity::find()
            .filter(entity::Column::State.eq(RETRYING))
            .filter(entity::Column::NextAttemptAt.lte(now))
            .order_by_asc(entity::Column::NextAttemptAt)
            .limit(BATCH)
            .all(&self.db)
            .await?;
        let mut ran = 0;
        for row in due {
            let handler = self
                .handlers
                .read()
                .unwrap_or_else(|e| e.into_inner())
                .get(&row.consumer)
                .cloned();
            // Rows of a consumer this process does not run wait for one that does.
            let Some(handler) = handler else { continue };
            // Claim the attempt (another replica may have taken it first).
            let attempt = row.attempts + 1;
            let claimed = entity::Entity::update_many()
                .col_expr(entity::Column::Attempts, Expr::value(attempt))
                .col_expr(entity::Column::NextAttemptAt, Expr::value(now + LEASE))
                .col_expr(entity::Column::UpdatedAt, Expr::value(now))
                .filter(entity::Column::Id.eq(row.id))
                .filter(entity::Column::State.eq(RETRYING))
                .filter(entity::Column::Attempts.eq(row.attempts))
                .exec(&self.db)
                .await?
                .rows_affected
                == 1;
            if !claimed {
                continue;
            }
            ran += 1;
            let event = Event {
                id: row.event_id,
                subject: row.subject.clone(),
                occurred_at: row.occurred_at,
                payload: row.payload.clone(),
            };
            match handler.handle(&event).await {
                Ok(()) => {
                    entity::Entity::delete_by_id(row.id).exec(&self.db).await?;
                    tracing::info!(consumer = %row.consumer, subject = %row.subject, event_id = %row.event_id, attempt, "event handled on retry");
                }
                Err(err) => self.failed(&row, attempt, &err).await?,
            }
        }
        Ok(ran)
    }

    /// Records a failed attempt: due again after the backoff, or dead past the limit.
    async fn failed(
        &self,
        row: &entity::Model,
        attempt: i32,
        err: &anyhow::Error,
    ) -> Result<(), DbErr> {
        let now = Utc::now();
        let dead = attempt as u32 >= self.settings.max_attempts;
        let (state, next) = if dead {
            (DEAD, now)
        } else {
            (RETRYING, now + self.backoff(attempt as u32))
        };
        entity::Entity::update_many()
            .col_expr(entity::Column::State, Expr::value(state))
            .col_expr(entity::Column::NextAttemptAt, Expr::value(next))
            .col_expr(entity::Column::LastError, Expr::value(describe(err)))
            .col_expr(entity::Column::UpdatedAt, Expr::value(now))
            .filter(entity::Column::Id.eq(row.id))
            .exec(&self.db)
            .await?;
        if dead {
            tracing::error!(consumer = %row.consumer, subject = %row.subject, event_id = %row.event_id, dead_letter = %row.id, attempts = attempt, error = ?err, "event parked as a dead letter");
        } else {
            tracing::warn!(consumer = %row.consumer, subject = %row.subject, event_id = %row.event_id, attempt, error = ?err, "event retry failed; will retry");
        }
        Ok(())
    }

    /// The wait after the `attempt`th failure: the base, doubled per earlier failure.
    fn backoff(&self, attempt: u32) -> TimeDelta {
        let factor = 2u32.saturating_pow(attempt.saturating_sub(1));
        let delay = self
            .settings
            .retry_base
            .saturating_mul(factor)
            .min(MAX_DELAY);
        TimeDelta::from_std(delay).unwrap_or(TimeDelta::MAX)
    }

    /// Queues a failed first delivery for retry (or straight to the dead letters when only one
    /// attempt is allowed).
    async fn queue(&self, consumer: &str, event: &Event, err: &anyhow::Error) -> Result<(), DbErr> {
        let now = Utc::now();
        let dead = self.settings.max_attempts <= 1;
        let inserted = entity::ActiveModel {
            id: Set(Uuid::now_v7()),
            consumer: Set(consumer.to_owned()),
            event_id: Set(event.id),
            subject: Set(event.subject.clone()),
            payload: Set(event.payload.clone()),
            occurred_at: Set(event.occurred_at),
            attempts: Set(1),
            next_attempt_at: Set(if dead { now } else { now + self.backoff(1) }),
            last_error: Set(describe(err)),
            state: Set(if dead { DEAD } else { RETRYING }.to_owned()),
            created_at: Set(now),
            updated_at: Set(now),
        }
        .insert(&self.db)
        .await;
        match inserted {
            Ok(_) => {
                tracing::warn!(consumer, subject = %event.subject, event_id = %event.id, error = ?err, "event handler failed; queued for retry");
                Ok(())
            }
            // Queued already by a concurrent delivery of the same event.
            Err(err) if is_unique_violation(&err) => Ok(()),
            Err(err) => Err(err),
        }
    }

    async fn is_queued(&self, consumer: &str, event_id: Uuid) -> Result<bool, DbErr> {
        Ok(entity::Entity::find()
            .filter(entity::Column::Consumer.eq(consumer))
            .filter(entity::Column::EventId.eq(event_id))
            .count(&self.db)
            .await?
            > 0)
    }
}

/// The handler behind the retry table.
struct Retrying {
    consumer: String,
    consumers: Consumers,
    handler: Arc<dyn EventHandler>,
}

#[async_trait]
impl EventHandler for Retrying {
    async fn handle(&self, event: &Event) -> anyhow::Result<()> {
        // Queued already: the retry worker owns it; a redelivery changes nothing.
        if self.consumers.is_queued(&self.consumer, event.id).await? {
            return Ok(());
        }
        match self.handler.handle(event).await {
            Ok(()) => Ok(()),
            // Recorded: the delivery is done, later events flow. Only when even that fails
            // does the bus redeliver.
            Err(err) => Ok(self.consumers.queue(&self.consumer, event, &err).await?),
        }
    }
}

fn describe(err: &anyhow::Error) -> String {
    format!("{err:#}").chars().take(MAX_ERROR_CHARS).collect()
}

/// A parked event, as `micromall events dead-letters` lists it.
#[derive(Debug, Clone, PartialEq)]
pub struct DeadLetter {
    pub id: Uuid,
    pub consumer: String,
    pub event_id: Uuid,
    pub subject: String,
    pub attempts: i32,
    pub last_error: String,
    pub dead_since: DateTime<Utc>,
}

/// Every dead letter in one subgraph's database, oldest first.
pub async fn dead_letters(db: &DatabaseConnection) -> Result<Vec<DeadLetter>, DbErr> {
    Ok(entity::Entity::find()
        .filter(entity::Column::State.eq(DEAD))
        .order_by_asc(entity::Column::Id)
        .all(db)
        .await?
        .into_iter()
        .map(|row| DeadLetter {
            id: row.id,
            consumer: row.consumer,
            event_id: row.event_id,
            subject: row.subject,
            attempts: row.attempts,
            last_error: row.last_error,
            dead_since: row.updated_at,
        })
        .collect())
}

/// Makes dead letter `id` due now with its attempts reset; false if there is no such dead
/// letter in this database.
pub async fn replay(db: &DatabaseConnection, id: Uuid) -> Result<bool, DbErr> {
    let now = Utc::now();
    Ok(entity::Entity::update_many()
        .col_expr(entity::Column::State, Expr::value(RETRYING))
        .col_expr(entity::Column::Attempts, Expr::value(0))
        .col_expr(entity::Column::NextAttemptAt, Expr::value(now))
        .col_expr(entity::Column::UpdatedAt, Expr::value(now))
        .filter(entity::Column::Id.eq(id))
        .filter(entity::Column::State.eq(DEAD))
        .exec(db)
        .await?
        .rows_affected
        == 1)
}

/// How many events wait for a retry (for tests).
pub async fn retrying_count(db: &DatabaseConnection) -> Result<u64, DbErr> {
    entity::Entity::find()
        .filter(entity::Column::State.eq(RETRYING))
        .count(db)
        .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_retry_waits_twice_as_long_up_to_an_hour() {
        let consumers = Consumers {
            db: DatabaseConnection::default(),
            settings: EventsSettings {
                retry_base: Duration::from_secs(1),
                max_attempts: 50,
            },
            handlers: Arc::default(),
        };
        let waits: Vec<i64> = (1..=4)
            .map(|n| consumers.backoff(n).num_seconds())
            .collect();
        assert_eq!(waits, [1, 2, 4, 8]);
        assert_eq!(consumers.backoff(40).num_seconds(), 3600);
    }
}
