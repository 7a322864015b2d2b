//! The payments subgraph (being written).
