//! The search subgraph: `searchProducts` over a product index that follows catalog events.

pub mod engine;
pub mod tantivy_engine;
