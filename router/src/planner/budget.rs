//! The time the planner's search may take. Trying alternatives and undoing them can grow
//! exponentially with an operation built for it; past the budget the operation is refused.

use std::time::{Duration, Instant};

use super::PlanError;

/// How long planning one operation may take unless the router is configured otherwise.
pub const DEFAULT_PLAN_BUDGET: Duration = Duration::from_secs(1);

/// A deadline the search checks at every step that may branch.
pub(super) struct Budget {
    allowed: Duration,
    deadline: Option<Instant>,
}

impl Budget {
    pub(super) fn start(allowed: Duration) -> Self {
        Self {
            allowed,
            // A budget too large to add to now is no limit at all.
            deadline: Instant::now().checked_add(allowed),
        }
    }

    /// `Err` once the budget is spent.
    pub(super) fn check(&self) -> Result<(), PlanError> {
        match self.deadline {
            Some(deadline) if Instant::now() >= deadline => Err(PlanError::OverBudget {
                budget: self.allowed,
            }),
            _ => Ok(()),
        }
    }
}
