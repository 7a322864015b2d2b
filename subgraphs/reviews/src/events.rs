//! What reviews learns and tells. A delivered shipment makes its lines' products reviewable
//! by the customer (each event handled once: its inbox row and its effect commit together);
//! every change to a product's rating is announced in the transaction that makes it.

use std::sync::Arc;

use async_trait::async_trait;
use micromall_kit::contracts::reviews::{RATING_CHANGED, RatingChanged};
use micromall_kit::contracts::shipping::{DELIVERED, ShipmentEvent};
use micromall_kit::events::outbox::Outbox;
use micromall_kit::events::{Event, EventHandler, inbox};
use sea_orm::{ConnectionTrait, DbErr};
use uuid::Uuid;

use crate::rules::Tally;
use crate::service::Reviews;

/// The durable consumer name (inbox rows, bus subscriptions).
pub const CONSUMER: &str = "reviews";
pub const SUBJECTS: [&str; 1] = [DELIVERED];

/// Writes `reviews.rating.changed` with the product's new totals in the caller's transaction.
pub async fn rating_changed(
    outbox: &Outbox,
    txn: &impl ConnectionTrait,
    product: Uuid,
    tally: &Tally,
) -> Result<(), DbErr> {
    outbox
        .enqueue(
            txn,
            RATING_CHANGED,
            &RatingChanged {
                product_id: product,
                average: tally.average(),
                count: tally.count,
                version: tally.version,
            },
        )
        .await?;
    Ok(())
}

pub struct DeliveryFollower(pub Arc<Reviews>);

#[async_trait]
impl EventHandler for DeliveryFollower {
    async fn handle(&self, event: &Event) -> anyhow::Result<()> {
        if event.subject != DELIVERED {
            return Ok(());
        }
        let shipment: ShipmentEvent = match serde_json::from_value(event.payload.clone()) {
            Ok(shipment) => shipment,
            Err(err) => {
                // It will never become readable; retrying would only block the publisher.
                tracing::error!(event = %event.id, error = %err, "unreadable shipment event dropped");
                return Ok(());
            }
        };
        let reviews = &self.0;
        let Some(txn) = inbox::begin_once(&reviews.db, CONSUMER, event.id).await? else {
            return Ok(());
        };
        reviews.delivered_in(&txn, &shipment).await?;
        txn.commit().await?;
        tracing::debug!(shipment = %shipment.shipment_id, customer = %shipment.customer_id, "delivered products are reviewable");
        Ok(())
    }
}
