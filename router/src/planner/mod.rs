//! Query planning: an operation becomes a tree of subgraph fetches.
//!
//! The planner walks the operation keeping each field in the subgraph that is already
//! fetching its parent whenever that subgraph can resolve it. A field it cannot resolve moves
//! to another subgraph through an entity fetch: the current subgraph adds the entity's key
//! (and any `@requires` fields) to its selection, and a fetch at the same response path asks
//! the other subgraph's `_entities` for the field. Fetches for one subgraph at one path are
//! shared, so N entities cost one `_entities` call. Fetches run in dependency order,
//! independent ones in parallel.
//!
//! The phases, one module each, in the order a field meets them:
//! - `root`: which subgraph answers each root field, candidates compared by their `cost`;
//! - `walk`: a field's selections, kept in the fetch that has their parent;
//! - `provides`: what a subgraph resolves itself, counting what `@provides` covers;
//! - `jump`: entity fetches for what it cannot, each fed its representation by `keys`;
//! - `groups`: the fetches being built, shared where that creates no cycle;
//! - `aliases`: internal aliases where one subgraph operation would otherwise clash;
//! - `order`: the fetches ordered into a plan by what each waits for.
//!
//! The search tries alternatives and undoes those that fail; its `budget` bounds how long
//! that may take, so a pathological operation is refused instead of planned forever.

mod aliases;
mod budget;
mod cost;
mod groups;
mod jump;
mod keys;
mod order;
mod plan;
mod provides;
mod root;
mod selection;
mod walk;

use std::collections::BTreeSet;
use std::time::Duration;

use apollo_compiler::Name;

use crate::operation::Operation;
use crate::supergraph::{GraphId, Supergraph};
use budget::Budget;
use groups::{GroupId, Groups};

pub use budget::DEFAULT_PLAN_BUDGET;
pub use plan::{FetchNode, PathStep, PlanNode, QueryPlan, display_path};
pub use selection::{Sel, print as print_selections};

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum PlanError {
    #[error("no subgraph can resolve `{ty}.{field}` here")]
    Unreachable { ty: String, field: String },
    #[error("the operation is too complex to plan within the planner's budget of {budget:?}")]
    OverBudget { budget: Duration },
}

impl PlanError {
    fn unreachable(ty: &str, field: &str) -> Self {
        Self::Unreachable {
            ty: ty.to_owned(),
            field: field.to_owned(),
        }
    }
}

/// What one way of resolving something came to: `Ok(None)` when it found no way and the
/// caller may try another, `Err` when the whole search must stop (the budget ran out).
fn attempt<T>(result: Result<T, PlanError>) -> Result<Option<T>, PlanError> {
    match result {
        Ok(found) => Ok(Some(found)),
        Err(PlanError::Unreachable { .. }) => Ok(None),
        Err(stop) => Err(stop),
    }
}

/// Plans `operation` over `supergraph` within [`DEFAULT_PLAN_BUDGET`].
pub fn plan(supergraph: &Supergraph, operation: &Operation) -> Result<QueryPlan, PlanError> {
    plan_within(supergraph, operation, DEFAULT_PLAN_BUDGET)
}

/// Plans `operation` over `supergraph`, refusing it when the search takes longer than
/// `budget`.
pub fn plan_within(
    supergraph: &Supergraph,
    operation: &Operation,
    budget: Duration,
) -> Result<QueryPlan, PlanError> {
    let mut planner = Planner {
        sg: supergraph,
        groups: Groups::default(),
        visiting: Vec::new(),
        feeding: Vec::new(),
        budget: Budget::start(budget),
    };
    planner.plan_root(operation)?;
    Ok(planner.into_plan(operation))
}

/// The search's state; each phase adds its own `impl` block.
struct Planner<'a> {
    sg: &'a Supergraph,
    groups: Groups,
    /// (type, graph, field) on the current chain of entity jumps: a guard against cycles.
    visiting: Vec<(Name, GraphId, Name)>,
    /// While planning an entity fetch's inputs: every fetch those inputs come from.
    feeding: Vec<BTreeSet<GroupId>>,
    budget: Budget,
}
