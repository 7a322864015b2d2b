//! Query planning: an operation becomes a tree of subgraph fetches.
//!
//! The planner walks the operation keeping each field in the subgraph that is already
//! fetching its parent whenever that subgraph can resolve it. A field it cannot resolve moves
//! to another subgraph through an entity fetch: the current subgraph adds the entity's key
//! (and any `@requires` fields) to its selection, and a fetch at the same response path asks
//! the other subgraph's `_entities` for the field. Fetches for one subgraph at one path are
//! shared, so N entities cost one `_entities` call. Fetches run in dependency order,
//! independent ones in parallel.

mod build;
mod plan;
mod selection;

pub use build::{PlanError, plan};
pub use plan::{FetchNode, PathStep, PlanNode, QueryPlan, display_path};
pub use selection::{Sel, print as print_selections};
