//! What catalog tells other domains. It consumes nothing.

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::Serialize;
use uuid::Uuid;

/// A product was created or changed (payload: `ProductSnapshot`).
pub const PRODUCT_CHANGED: &str = "catalog.product.changed";
/// A product left the shop (payload: `ProductArchived`).
pub const PRODUCT_ARCHIVED: &str = "catalog.product.archived";

/// What `catalog.product.changed` carries: enough for search to index the product without
/// reading catalog's tables.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ProductSnapshot {
    pub id: Uuid,
    pub slug: String,
    pub name: String,
    pub description: String,
    pub category_id: Option<Uuid>,
    /// The category and its ancestors, nearest first, so search can filter by any of them.
    pub category_path: Vec<CategoryRef>,
    pub tags: Vec<String>,
    pub min_price: Option<Decimal>,
    pub currency: String,
    pub variant_ids: Vec<Uuid>,
    pub created_at: DateTime<Utc>,
}

#[derive(Serialize)]
pub struct CategoryRef {
    pub id: Uuid,
    pub name: String,
}

/// What `catalog.product.archived` carries.
#[derive(Serialize)]
pub struct ProductArchived {
    pub id: Uuid,
}
