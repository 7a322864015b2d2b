//! The orders tables.

pub mod checkout_claim;
pub mod customer_checkout_lock;
pub mod order;
pub mod order_line;
pub mod transition;
