//! The orders subgraph through its HTTP API, next to real catalog, inventory and cart
//! subgraphs on one event bus, on SQLite and (when configured) PostgreSQL.

mod support;

mod access;
mod cancellation;
mod checkout;
mod idempotency;
mod pending_cap;
mod settings;
