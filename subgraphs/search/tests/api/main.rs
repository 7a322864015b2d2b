//! The search subgraph through its GraphQL API, next to a real catalog on one bus, as it
//! follows catalog and reviews events; on SQLite and (when configured) PostgreSQL, over the
//! embedded Tantivy index.

mod ratings;
