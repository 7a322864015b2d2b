//! Shipping's rules as pure functions and tables: rates (`rates`), which lines a shipment
//! takes (`shipments`), what a carrier's scan does (`tracking`), and country codes.

pub mod countries;
pub mod rates;
pub mod shipments;
pub mod tracking;

use micromall_kit::auth::Viewer;

pub use tracking::ShipmentStatus;

/// The scope that manages zones, ships orders and records tracking.
pub const FULFILMENT: &str = "fulfillment:write";
/// Staff who manage orders see their shipments too.
pub const ORDERS_MANAGE: &str = "orders:manage";

/// A shipment's tracking is seen by its customer and by staff.
pub fn may_see(viewer: &Viewer, customer_id: uuid::Uuid) -> bool {
    viewer.user_id == Some(customer_id)
        || viewer.has_scope(FULFILMENT)
        || viewer.has_scope(ORDERS_MANAGE)
}
