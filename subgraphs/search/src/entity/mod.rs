//! sea-orm models of search's own tables (the index itself is not a table).

pub mod product_rating;
pub mod product_source;
