//! What catalog tells other domains. It consumes nothing.

/// A product was created or changed (payload: `ProductSnapshot`).
pub const PRODUCT_CHANGED: &str = "catalog.product.changed";
/// A product left the shop (payload: `{ id }`).
pub const PRODUCT_ARCHIVED: &str = "catalog.product.archived";
