//! The orders subgraph (being written).
