//! sea-orm models of the cart tables.

pub mod cart;
pub mod cart_line;
pub mod guest_cart;
