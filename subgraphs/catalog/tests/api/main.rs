//! The catalog subgraph through its HTTP API, on SQLite and (when configured) PostgreSQL.

mod support;

mod admin;
mod entities;
mod generated_requests;
mod shop;
mod taken;
mod weights;
