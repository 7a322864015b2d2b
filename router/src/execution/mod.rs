//! Running a plan: fetches go to subgraphs over pooled keep-alive HTTP, independent ones in
//! parallel; results merge into one response tree, from which the client's response is
//! shaped (aliases, type conditions, null propagation).

mod client;
mod fetch;
mod json_path;
mod response;

pub use client::{SubgraphClient, SubgraphRequest};
pub use fetch::{ExecutionContext as ExecutionContextOwned, execute_plan};
pub use response::shape;
