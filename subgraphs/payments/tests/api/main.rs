//! The payments subgraph through its HTTP surface: `payOrder` and `refundPayment` in a shop
//! of real subgraphs with the sandbox processor, the signed callbacks that decide payments,
//! and hostile callbacks; on SQLite and (when configured) PostgreSQL.

mod support;

mod callbacks;
mod paying;
mod refunds;
mod webhooks;
