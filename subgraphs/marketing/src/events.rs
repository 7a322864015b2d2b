//! What marketing learns. From orders: a placed order's products (for best sellers), a paid
//! order's coupon use becomes used and its products count as sold, a cancelled (or timed-out)
//! order's use is free again. From catalog: products as they are made, changed and archived
//! (for new arrivals and the categories of what customers buy). Each event is handled once:
//! its inbox row and its effect commit together.

use std::sync::Arc;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use micromall_kit::contracts::orders::{CANCELLED, OrderPlaced, OrderRef, PAID, PLACED};
use micromall_kit::events::{Event, EventHandler, inbox};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use uuid::Uuid;

use crate::service::{
    CatalogProduct, Marketing, placed_in, product_archived_in, product_known_in, release_in,
    sold_in, unsold_in, used_in,
};

/// The durable consumer name (inbox rows, bus subscriptions).
pub const CONSUMER: &str = "marketing";
/// Catalog's events (its own contract: catalog publishes, search and marketing follow).
const PRODUCT_CHANGED: &str = "catalog.product.changed";
const PRODUCT_ARCHIVED: &str = "catalog.product.archived";
pub const SUBJECTS: [&str; 5] = [PLACED, PAID, CANCELLED, PRODUCT_CHANGED, PRODUCT_ARCHIVED];

/// The part of `catalog.product.changed` marketing reads.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ProductChanged {
    id: Uuid,
    category_path: Vec<CategoryRef>,
    created_at: DateTime<Utc>,
}

#[derive(Deserialize)]
struct CategoryRef {
    id: Uuid,
}

#[derive(Deserialize)]
struct ProductArchived {
    id: Uuid,
}

pub struct Follower(pub Arc<Marketing>);

/// The payload, or `None` (logged) for one that will never become readable: retrying it
/// would only hold up the events behind it.
fn read<T: DeserializeOwned>(event: &Event) -> Option<T> {
    match serde_json::from_value(event.payload.clone()) {
        Ok(payload) => Some(payload),
        Err(err) => {
            tracing::error!(event = %event.id, subject = %event.subject, error = %err, "unreadable event dropped");
            None
        }
    }
}

#[async_trait]
impl EventHandler for Follower {
    async fn handle(&self, event: &Event) -> anyhow::Result<()> {
        let subject = event.subject.as_str();
        if !SUBJECTS.contains(&subject) {
            return Ok(());
        }
        let marketing = &self.0;
        let Some(txn) = inbox::begin_once(&marketing.db, CONSUMER, event.id).await? else {
            return Ok(());
        };
        match subject {
            PLACED => {
                if let Some(order) = read::<OrderPlaced>(event) {
                    placed_in(&txn, &order).await?;
                }
            }
            PAID => {
                if let Some(order) = read::<OrderRef>(event) {
                    used_in(&txn, order.order_id).await?;
                    sold_in(&txn, &order, event.occurred_at).await?;
                }
            }
            CANCELLED => {
                if let Some(order) = read::<OrderRef>(event) {
                    release_in(&txn, order.order_id).await?;
                    unsold_in(&txn, &order).await?;
                }
            }
            PRODUCT_CHANGED => {
                if let Some(product) = read::<ProductChanged>(event) {
                    let product = CatalogProduct {
                        id: product.id,
                        category_ids: product.category_path.iter().map(|c| c.id).collect(),
                        created_at: product.created_at,
                    };
                    product_known_in(&txn, &product, false).await?;
                }
            }
            _ => {
                if let Some(product) = read::<ProductArchived>(event) {
                    product_archived_in(&txn, product.id).await?;
                }
            }
        }
        txn.commit().await?;
        if subject != PLACED {
            marketing.home_cache.invalidate().await;
        }
        tracing::debug!(event = %event.id, subject, "marketing followed an event");
        Ok(())
    }
}
