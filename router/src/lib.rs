//! A Federation 2 router. It knows nothing of any particular shop: give it a supergraph and
//! it serves the API schema, planning each operation across subgraphs and executing the plan.
//!
//! The request path, in module order: `http` receives, `pipeline` parses, validates,
//! normalizes and authorizes, `planner` turns the operation into a plan of fetches,
//! `execution` runs the plan against the subgraphs and shapes the response.

pub mod supergraph;

pub use supergraph::Supergraph;
pub mod compose;
pub mod execution;
pub mod operation;
pub mod pipeline;
pub mod planner;
pub mod service;

pub use service::{
    Authenticator, CacheStats, GraphqlRequest, GraphqlResponse, Ready, Refused, Router,
    RouterConfig,
};
pub mod http;
