//! sea-orm models of the inventory tables.

pub mod reservation;
pub mod reservation_line;
pub mod stock_level;
pub mod stock_movement;
pub mod variant_stock;
pub mod warehouse;
