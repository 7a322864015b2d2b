//! sea-orm models of the marketing tables.

pub mod announcement;
pub mod banner;
pub mod coupon;
pub mod coupon_use;
pub mod featured_product;
pub mod known_product;
pub mod paid_order;
pub mod placed_line;
pub mod product_sale;
pub mod promotion;
pub mod purchase;
