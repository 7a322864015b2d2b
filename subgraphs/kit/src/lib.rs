//! What every Micromall subgraph shares, written once: configuration, database access,
//! errors, pagination, money, authentication, events, HTTP serving and start-up.

pub mod auth;
pub mod config;
pub mod contracts;
pub mod counters;
pub mod db;
pub mod error;
pub mod events;
pub mod forwarded;
pub mod graphql;
pub mod http;
pub mod idempotency;
pub mod internal;
pub mod money;
pub mod outcome;
pub mod pagination;
pub mod platform;
pub mod telemetry;
#[cfg(any(test, feature = "testing"))]
pub mod testing;
pub mod webhook;

pub use error::{ApiError, ApiResult, UserError};
pub use outcome::{DomainError, DomainRefusal, answer, refuse};
pub use platform::{Platform, Runtime, SubgraphDef};
