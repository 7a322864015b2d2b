//! What search learns from catalog and reviews: a changed product is (re)indexed, an archived
//! one removed, a product whose rating changed re-indexed with it. Indexing is by id and
//! ratings by version, so redelivery is harmless.

use std::sync::Arc;

use async_trait::async_trait;
use micromall_kit::contracts::reviews::{RATING_CHANGED, RatingChanged};
use micromall_kit::events::{Event, EventHandler};
use uuid::Uuid;

use crate::service::Search;
use crate::store::ProductDoc;

pub const PRODUCT_CHANGED: &str = "catalog.product.changed";
pub const PRODUCT_ARCHIVED: &str = "catalog.product.archived";

/// The durable consumer name (inbox rows, bus subscriptions).
pub const CONSUMER: &str = "search";
pub const SUBJECTS: [&str; 3] = [PRODUCT_CHANGED, PRODUCT_ARCHIVED, RATING_CHANGED];

pub struct IndexFollower(pub Arc<Search>);

#[async_trait]
impl EventHandler for IndexFollower {
    async fn handle(&self, event: &Event) -> anyhow::Result<()> {
        match event.subject.as_str() {
            PRODUCT_CHANGED => {
                let doc: ProductDoc = serde_json::from_value(event.payload.clone())?;
                self.0.index(&doc).await
            }
            PRODUCT_ARCHIVED => {
                let id: Uuid = serde_json::from_value(event.payload["id"].clone())?;
                self.0.remove(id).await
            }
            RATING_CHANGED => {
                let change: RatingChanged = serde_json::from_value(event.payload.clone())?;
                self.0.rating_changed(&change).await
            }
            _ => Ok(()),
        }
    }
}
