//! The orders tables.

pub mod order;
pub mod order_line;
pub mod transition;
