//! What marketing learns from orders: a paid order's coupon use is used, a cancelled (or
//! timed-out) order's is free again. Each event is handled once: its inbox row and its
//! effect commit together.

use std::sync::Arc;

use async_trait::async_trait;
use micromall_kit::contracts::orders::{CANCELLED, OrderRef, PAID};
use micromall_kit::events::{Event, EventHandler, inbox};

use crate::service::{Marketing, release_in, used_in};

/// The durable consumer name (inbox rows, bus subscriptions).
pub const CONSUMER: &str = "marketing";
pub const SUBJECTS: [&str; 2] = [PAID, CANCELLED];

pub struct OrderFollower(pub Arc<Marketing>);

#[async_trait]
impl EventHandler for OrderFollower {
    async fn handle(&self, event: &Event) -> anyhow::Result<()> {
        if !SUBJECTS.contains(&event.subject.as_str()) {
            return Ok(());
        }
        let order: OrderRef = match serde_json::from_value(event.payload.clone()) {
            Ok(order) => order,
            Err(err) => {
                // It will never become readable; retrying would only block the publisher.
                tracing::error!(event = %event.id, subject = %event.subject, error = %err, "unreadable order event dropped");
                return Ok(());
            }
        };
        let Some(txn) = inbox::begin_once(&self.0.db, CONSUMER, event.id).await? else {
            return Ok(());
        };
        let changed = if event.subject == PAID {
            used_in(&txn, order.order_id).await?
        } else {
            release_in(&txn, order.order_id).await?
        };
        txn.commit().await?;
        tracing::debug!(order = %order.order_id, subject = %event.subject, changed, "coupon use followed its order");
        Ok(())
    }
}
