//! The payments tables.

pub mod cancelled_order;
pub mod payment;
pub mod provider_event;
pub mod refund;
