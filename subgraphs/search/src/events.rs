//! What search learns from catalog: a changed product is (re)indexed, an archived one
//! removed. Indexing is by id, so redelivery is harmless.

use std::sync::Arc;

use async_trait::async_trait;
use micromall_kit::events::{Event, EventHandler};
use uuid::Uuid;

use crate::service::Search;
use crate::store::ProductDoc;

pub const PRODUCT_CHANGED: &str = "catalog.product.changed";
pub const PRODUCT_ARCHIVED: &str = "catalog.product.archived";

/// The durable consumer name (inbox rows, bus subscriptions).
pub const CONSUMER: &str = "search";
pub const SUBJECTS: [&str; 2] = [PRODUCT_CHANGED, PRODUCT_ARCHIVED];

pub struct CatalogFollower(pub Arc<Search>);

#[async_trait]
impl EventHandler for CatalogFollower {
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
            _ => Ok(()),
        }
    }
}
