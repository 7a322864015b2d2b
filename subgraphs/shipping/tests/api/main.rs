//! The shipping subgraph through its HTTP surface, in a shop of real subgraphs with the
//! payment and carrier sandboxes: zones, methods and rates; checkout's shipping cost;
//! shipments of paid orders; tracking from the carrier's signed callbacks, including hostile
//! ones; on SQLite and (when configured) PostgreSQL.

mod support;

mod checkout;
mod rates;
mod shipments;
mod tracking;
mod webhooks;
