//! sea-orm models of the reviews tables.

pub mod product_rating;
pub mod purchase;
pub mod review;
pub mod review_vote;
