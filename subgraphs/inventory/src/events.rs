//! What inventory learns from orders: a paid order takes its held stock, a cancelled one
//! gives it back. Each event is handled once: its inbox row and its effect commit together.

use std::sync::Arc;

use async_trait::async_trait;
use micromall_kit::contracts::orders::{CANCELLED, OrderRef, PAID};
use micromall_kit::events::{Event, EventHandler, inbox};

use crate::rules::ORDER_CANCELLED;
use crate::service::Inventory;

/// The durable consumer name (inbox rows, bus subscriptions).
pub const CONSUMER: &str = "inventory";
pub const SUBJECTS: [&str; 2] = [PAID, CANCELLED];

pub struct OrderFollower(pub Arc<Inventory>);

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
        let inventory = &self.0;
        let Some(txn) = inbox::begin_once(&inventory.db, CONSUMER, event.id).await? else {
            return Ok(());
        };
        let changed = if event.subject == PAID {
            inventory.commit_in(&txn, order.order_id).await?
        } else {
            inventory
                .release_in(&txn, order.order_id, ORDER_CANCELLED)
                .await?
        };
        txn.commit().await?;
        tracing::debug!(order = %order.order_id, subject = %event.subject, changed, "order event handled");
        Ok(())
    }
}
