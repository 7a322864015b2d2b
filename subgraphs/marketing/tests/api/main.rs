//! The marketing subgraph through its GraphQL API and internal endpoints, next to catalog
//! (which confirms the categories and products an offer names), on SQLite and (when
//! configured) PostgreSQL.

mod support;

mod admin;
mod holds;
