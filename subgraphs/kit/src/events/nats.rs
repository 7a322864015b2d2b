//! The distributed bus on NATS JetStream.
//!
//! One stream holds every Micromall subject under a prefix. Publishing sets `Nats-Msg-Id` to
//! the event id, so a relay that re-sends after a crash is deduplicated by the server. Each
//! consumer is a durable pull consumer acknowledged only after its handler succeeded (the
//! retry wrapper of `retries` acknowledges a failed event once it has recorded it; what it
//! could not even record is redelivered with a growing delay, `MAX_DELIVER` times). The
//! machines' nats-server is 2.9, so each subject pattern gets its own consumer (multi-filter
//! consumers need 2.10).

use std::time::Duration;

use anyhow::{Context as _, Result};
use async_nats::jetstream::{self, AckKind, consumer::pull, stream};
use async_trait::async_trait;
use futures::StreamExt;

use super::{Event, EventBus, Handler};

const DUPLICATE_WINDOW: Duration = Duration::from_secs(120);
/// Deliveries of one message before the server gives up on it.
const MAX_DELIVER: i64 = 12;
const FIRST_RETRY_DELAY: Duration = Duration::from_secs(1);
/// How long the server keeps a replica's own consumer once nobody pulls from it.
const REPLICA_CONSUMER_KEPT: Duration = Duration::from_secs(24 * 3600);
const MAX_RETRY_DELAY: Duration = Duration::from_secs(300);

pub struct NatsBus {
    jetstream: jetstream::Context,
    stream: stream::Stream,
    prefix: String,
}

impl NatsBus {
    /// Connects and makes sure the stream exists. `prefix` namespaces subjects (tests use a
    /// fresh one each).
    pub async fn connect(url: &str, stream_name: &str, prefix: &str) -> Result<Self> {
        let client = async_nats::ConnectOptions::new()
            .connection_timeout(Duration::from_secs(5))
            .connect(url)
            .await
            .map_err(|e| anyhow::anyhow!("{}", crate::db::redact(&e.to_string())))
            .with_context(|| format!("cannot connect to NATS at {}", crate::db::redact(url)))?;
        let jetstream = jetstream::new(client);
        let stream = jetstream
            .get_or_create_stream(stream::Config {
                name: stream_name.to_owned(),
                subjects: vec![format!("{prefix}.>")],
                duplicate_window: DUPLICATE_WINDOW,
                storage: stream::StorageType::File,
                ..Default::default()
            })
            .await
            .context("cannot create the JetStream stream")?;
        Ok(Self {
            jetstream,
            stream,
            prefix: prefix.to_owned(),
        })
    }
}

#[async_trait]
impl EventBus for NatsBus {
    async fn publish(&self, event: &Event) -> Result<()> {
        let mut headers = async_nats::HeaderMap::new();
        headers.insert("Nats-Msg-Id", event.id.to_string().as_str());
        let body = serde_json::to_vec(event)?;
        self.jetstream
            .publish_with_headers(
                format!("{}.{}", self.prefix, event.subject),
                headers,
                body.into(),
            )
            .await?
            .await
            .context("JetStream did not acknowledge the event")?;
        Ok(())
    }

    async fn subscribe(&self, consumer: &str, subjects: &[&str], handler: Handler) -> Result<()> {
        self.consume(consumer, subjects, handler, Duration::ZERO)
            .await
    }

    async fn subscribe_each_replica(
        &self,
        consumer: &str,
        instance: &str,
        subjects: &[&str],
        handler: Handler,
    ) -> Result<()> {
        let consumer = super::replica_consumer(consumer, instance);
        self.consume(&consumer, subjects, handler, REPLICA_CONSUMER_KEPT)
            .await
    }
}

impl NatsBus {
    /// Pulls `subjects` as the durable consumer `consumer`, dropped by the server after
    /// `inactive_threshold` without a puller (zero: kept for good).
    async fn consume(
        &self,
        consumer: &str,
        subjects: &[&str],
        handler: Handler,
        inactive_threshold: Duration,
    ) -> Result<()> {
        for subject in subjects {
            let durable = durable_name(consumer, subject);
            let pull_consumer = self
                .stream
                .get_or_create_consumer(
                    &durable,
                    pull::Config {
                        durable_name: Some(durable.clone()),
                        filter_subject: format!("{}.{}", self.prefix, subject),
                        ack_policy: jetstream::consumer::AckPolicy::Explicit,
                        ack_wait: Duration::from_secs(30),
                        max_deliver: MAX_DELIVER,
                        inactive_threshold,
                        ..Default::default()
                    },
                )
                .await
                .with_context(|| format!("cannot create consumer {durable}"))?;
            let mut messages = pull_consumer.messages().await?;
            let handler = handler.clone();
            tokio::spawn(async move {
                while let Some(message) = messages.next().await {
                    let Ok(message) = message else { continue };
                    let event: Event = match serde_json::from_slice(&message.payload) {
                        Ok(event) => event,
                        Err(err) => {
                            // A message we cannot read will never become readable: drop it loudly.
                            tracing::error!(consumer = %durable, error = %err, "unreadable event");
                            let _ = message.ack_with(AckKind::Term).await;
                            continue;
                        }
                    };
                    let outcome = match handler.handle(&event).await {
                        Ok(()) => message.ack().await,
                        Err(err) => {
                            let delivered = message.info().map_or(1, |info| info.delivered);
                            if delivered >= MAX_DELIVER {
                                tracing::error!(consumer = %durable, subject = %event.subject, event_id = %event.id, delivered, error = ?err, "event handler failed on the last delivery; giving up");
                            } else {
                                tracing::warn!(consumer = %durable, subject = %event.subject, delivered, error = ?err, "event handler failed; redelivering");
                            }
                            message
                                .ack_with(AckKind::Nak(Some(redelivery_delay(delivered))))
                                .await
                        }
                    };
                    if let Err(err) = outcome {
                        tracing::warn!(consumer = %durable, error = %err, "ack failed");
                    }
                }
            });
        }
        Ok(())
    }
}

/// Doubles from one second per delivery so far, up to five minutes.
fn redelivery_delay(delivered: i64) -> Duration {
    let doublings = u32::try_from(delivered.saturating_sub(1)).unwrap_or(u32::MAX);
    FIRST_RETRY_DELAY
        .saturating_mul(2u32.saturating_pow(doublings))
        .min(MAX_RETRY_DELAY)
}

/// Durable names allow only `[A-Za-z0-9_-]`.
fn durable_name(consumer: &str, subject: &str) -> String {
    format!("{consumer}__{subject}")
        .chars()
        .map(|c| match c {
            '*' => 'S',
            '>' => 'R',
            c if c.is_ascii_alphanumeric() || c == '-' || c == '_' => c,
            _ => '_',
        })
        .collect()
}
