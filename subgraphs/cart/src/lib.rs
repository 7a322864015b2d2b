//! The cart subgraph (being written).
