//! The inventory subgraph (being written).
