//! Shipping's tables.

pub mod carrier_event;
pub mod fulfilment;
pub mod shipment;
pub mod shipment_line;
pub mod shipping_method;
pub mod shipping_zone;
pub mod tracking_event;
