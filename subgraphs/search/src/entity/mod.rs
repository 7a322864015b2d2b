//! sea-orm models of search's own tables (the index itself is not a table).

pub mod known_product;
