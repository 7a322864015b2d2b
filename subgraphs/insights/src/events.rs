//! Insights follows orders, payments, carts and inventory: each event is journaled and
//! turned into facts once (its inbox row, journal row and facts commit together).

use std::sync::Arc;

use async_trait::async_trait;
use micromall_kit::events::{Event, EventHandler, inbox};

use crate::service::{Insights, SUBJECTS};

/// The durable consumer name (inbox rows, bus subscriptions).
pub const CONSUMER: &str = "insights";

pub struct Follower(pub Arc<Insights>);

#[async_trait]
impl EventHandler for Follower {
    async fn handle(&self, event: &Event) -> anyhow::Result<()> {
        if !SUBJECTS.contains(&event.subject.as_str()) {
            return Ok(());
        }
        let Some(txn) = inbox::begin_once(&self.0.db, CONSUMER, event.id).await? else {
            return Ok(());
        };
        crate::service::take_in(&txn, event).await?;
        txn.commit().await?;
        Ok(())
    }
}
