//! The inventory subgraph through its HTTP API (GraphQL and internal endpoints) and its
//! events, next to a real catalog, on SQLite and (when configured) PostgreSQL.

mod support;

mod holds;
mod orders;
mod stock;
