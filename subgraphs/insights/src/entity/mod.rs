//! sea-orm models of the insights tables.

pub mod cart_fact;
pub mod event_journal;
pub mod order_fact;
pub mod order_item;
pub mod refund;
pub mod stock_level;
