//! The cart subgraph through its HTTP API, next to real catalog and inventory subgraphs, on
//! SQLite and (when configured) PostgreSQL.

mod support;

mod access;
mod checkout;
mod concurrency;
mod coupons;
mod guests;
mod lines;
mod sdl;
