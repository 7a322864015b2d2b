//! The payments subgraph through its HTTP surface.

mod webhooks;
