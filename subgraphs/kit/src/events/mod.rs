//! Events between domains: a transactional outbox feeds a bus; consumers dedupe with an inbox.
//!
//! A subgraph writes an event into its own `outbox` table in the same transaction as the
//! change it describes. The relay publishes outbox rows to the bus and marks them published
//! only after the bus accepted them, so a crash between the two re-sends rather than loses.
//! Consumers record handled event ids in their `inbox` table in the same transaction as their
//! effect, so a re-sent event changes nothing the second time. An event a consumer fails to
//! handle is retried on its own and, past a limit, kept as a dead letter (`retries`), so it
//! never holds up the events behind it.

mod in_process;
pub mod inbox;
mod nats;
pub mod outbox;
pub mod retries;

use std::sync::Arc;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

pub use in_process::InProcessBus;
pub use nats::NatsBus;

/// One domain event, e.g. `accounts.user.registered`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Event {
    pub id: Uuid,
    /// `<domain>.<entity>.<what happened>`.
    pub subject: String,
    pub occurred_at: DateTime<Utc>,
    pub payload: serde_json::Value,
}

/// Handles events delivered to one consumer. Must be idempotent (use the inbox).
#[async_trait]
pub trait EventHandler: Send + Sync {
    async fn handle(&self, event: &Event) -> anyhow::Result<()>;
}

/// Carries events from publishers to durable consumers, at least once.
#[async_trait]
pub trait EventBus: Send + Sync {
    /// Returns once the bus has taken responsibility for the event.
    async fn publish(&self, event: &Event) -> anyhow::Result<()>;

    /// Registers the durable consumer `consumer` for subjects matching `subjects`
    /// (`*` matches one token, `>` the rest). Processes subscribing the same consumer share
    /// its events: each event goes to one of them (a consumer with effects, such as
    /// committing stock or marking an order paid, runs once however many replicas run).
    async fn subscribe(
        &self,
        consumer: &str,
        subjects: &[&str],
        handler: Handler,
    ) -> anyhow::Result<()>;

    /// Registers `consumer` for this replica alone (`instance` names it): every replica gets
    /// every event, for a read model each replica keeps locally (search's embedded index).
    /// A replica that never comes back is forgotten by the bus after a while.
    async fn subscribe_each_replica(
        &self,
        consumer: &str,
        instance: &str,
        subjects: &[&str],
        handler: Handler,
    ) -> anyhow::Result<()> {
        self.subscribe(&replica_consumer(consumer, instance), subjects, handler)
            .await
    }
}

/// The consumer name of one replica of `consumer`.
pub fn replica_consumer(consumer: &str, instance: &str) -> String {
    format!("{consumer}-{instance}")
}

/// What a bus hands each event it delivers to a consumer.
pub type Handler = Arc<dyn EventHandler>;

/// Connects the bus the settings ask for: NATS JetStream when `NATS_URL` is set, else
/// in-process. `prefix` namespaces the subjects; the stream is named after it.
pub async fn connect(nats_url: Option<&str>, prefix: &str) -> anyhow::Result<Arc<dyn EventBus>> {
    Ok(match nats_url {
        Some(url) => {
            let stream = format!("{}_EVENTS", prefix.to_ascii_uppercase().replace('-', "_"));
            Arc::new(NatsBus::connect(url, &stream, prefix).await?)
        }
        None => Arc::new(InProcessBus::default()),
    })
}

/// NATS-style subject matching: `*` matches one token, a trailing `>` one or more.
pub fn subject_matches(pattern: &str, subject: &str) -> bool {
    let mut subject_tokens = subject.split('.');
    for p in pattern.split('.') {
        match (p, subject_tokens.next()) {
            (">", Some(_)) => return true,
            ("*", Some(_)) => {}
            (p, Some(s)) if p == s => {}
            _ => return false,
        }
    }
    subject_tokens.next().is_none()
}

#[cfg(test)]
mod tests {
    use super::subject_matches;

    #[test]
    fn wildcards_match_like_nats() {
        assert!(subject_matches(
            "catalog.product.changed",
            "catalog.product.changed"
        ));
        assert!(subject_matches(
            "catalog.product.*",
            "catalog.product.archived"
        ));
        assert!(subject_matches("catalog.>", "catalog.product.archived"));
        assert!(!subject_matches("catalog.>", "catalog"));
        assert!(!subject_matches("catalog.product.*", "catalog.product.a.b"));
        assert!(!subject_matches("orders.*", "catalog.product"));
    }
}
