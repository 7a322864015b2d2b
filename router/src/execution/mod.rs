//! Running a plan: fetches go to subgraphs over pooled keep-alive HTTP, independent ones in
//! parallel (entity fetches of one stage to one subgraph as one request); results merge into
//! one response tree (identical queries in flight at once sent once), from which the client's response is shaped (aliases, type conditions,
//! null propagation).

mod answers;
mod batch;
mod client;
mod fetch;
mod inflight;
mod json_path;
mod replicas;
mod response;

pub use answers::AnswerCache;
pub use client::{Answer, SubgraphClient, SubgraphRequest};
pub use fetch::{ExecutionContext as ExecutionContextOwned, execute_plan};
pub use inflight::Inflight;
pub use replicas::Replicas;
pub use response::shape;
