//! The reviews subgraph through its GraphQL API and its events, on SQLite and (when
//! configured) PostgreSQL; and, next to catalog and search, what a review does to search.

mod support;

mod hostile;
mod moderation;
mod ratings;
mod reading;
mod search;
mod submitting;
mod votes;
