//! sea-orm models of the catalog tables.

pub mod category;
pub mod product;
pub mod product_image;
pub mod product_tag;
pub mod variant;
