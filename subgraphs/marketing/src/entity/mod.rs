//! sea-orm models of the marketing tables.

pub mod coupon;
pub mod coupon_use;
pub mod promotion;
