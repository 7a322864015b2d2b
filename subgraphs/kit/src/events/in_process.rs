//! The embedded bus: delivery is a direct call to each matching consumer.
//!
//! `publish` returns only after every consumer handled the event, so the outbox row stays
//! unpublished (and is retried) until all of them succeeded.

use std::sync::Arc;

use async_trait::async_trait;
use tokio::sync::RwLock;

use anyhow::Result;

use super::{Event, EventBus, EventHandler, Handler, subject_matches};

struct Subscription {
    consumer: String,
    subjects: Vec<String>,
    handler: Arc<dyn EventHandler>,
}

#[derive(Default)]
pub struct InProcessBus {
    subscriptions: RwLock<Vec<Subscription>>,
}

#[async_trait]
impl EventBus for InProcessBus {
    async fn publish(&self, event: &Event) -> Result<()> {
        let subscriptions = self.subscriptions.read().await;
        let mut failures = Vec::new();
        for sub in subscriptions.iter().filter(|s| {
            s.subjects
                .iter()
                .any(|p| subject_matches(p, &event.subject))
        }) {
            if let Err(err) = sub.handler.handle(event).await {
                tracing::warn!(consumer = %sub.consumer, subject = %event.subject, error = ?err, "event handler failed");
                failures.push(sub.consumer.clone());
            }
        }
        if failures.is_empty() {
            Ok(())
        } else {
            anyhow::bail!("event {} not handled by {}", event.id, failures.join(", "))
        }
    }

    async fn subscribe(&self, consumer: &str, subjects: &[&str], handler: Handler) -> Result<()> {
        self.subscriptions.write().await.push(Subscription {
            consumer: consumer.to_owned(),
            subjects: subjects.iter().map(|s| (*s).to_owned()).collect(),
            handler,
        });
        Ok(())
    }
}
