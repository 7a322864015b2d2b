//! The insights subgraph fed events directly, in the orders a bus may deliver them, on SQLite
//! and (when configured) PostgreSQL.

mod arrival;
