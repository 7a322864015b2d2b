//! What cart learns from other domains: a placed order empties the cart it was checked out
//! from. Cart publishes nothing.

use std::sync::Arc;

use async_trait::async_trait;
use micromall_kit::contracts::orders::{OrderPlaced, PLACED};
use micromall_kit::events::{Event, EventHandler, inbox};

use crate::service::{Carts, clear_in};

/// The durable consumer name, which also keys the inbox.
pub const CONSUMER: &str = "cart";
pub const SUBJECTS: &[&str] = &[PLACED];

/// `orders.order.placed` → the checked-out version of the cart is cleared, exactly once.
pub struct OrderPlacedFollower(pub Arc<Carts>);

#[async_trait]
impl EventHandler for OrderPlacedFollower {
    async fn handle(&self, event: &Event) -> anyhow::Result<()> {
        if event.subject != PLACED {
            return Ok(());
        }
        // A payload that does not parse never will: retrying it would only hold up the
        // events behind it.
        let placed: OrderPlaced = match serde_json::from_value(event.payload.clone()) {
            Ok(placed) => placed,
            Err(err) => {
                tracing::error!(event = %event.id, error = %err, "unreadable order.placed event skipped");
                return Ok(());
            }
        };
        let Some(txn) = inbox::begin_once(&self.0.db, CONSUMER, event.id).await? else {
            return Ok(());
        };
        let cleared = clear_in(
            &txn,
            placed.cart_id,
            placed.cart_version,
            Some(placed.customer_id),
        )
        .await?;
        if !cleared {
            tracing::warn!(order = %placed.order_id, cart = %placed.cart_id, "placed order names no cart of its customer");
        }
        txn.commit().await?;
        Ok(())
    }
}
