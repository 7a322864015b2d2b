//! What resolving a root field from one subgraph costs, so candidates compare directly.

use std::cmp::Ordering;

/// Lower is better. Components in order of importance: a plan that resolves the whole field
/// beats one that does not; then one that reuses a fetch already planned; then fewer
/// fetches; then more of the field answered by the subgraph itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Cost {
    pub incomplete: bool,
    pub new_fetch: bool,
    /// Fetches the whole plan takes with this choice; 0 when it was not worth measuring.
    pub fetches: usize,
    /// Leaf fields the chosen subgraph answers itself.
    pub answered_here: usize,
}

impl Cost {
    /// A choice taken without planning it: the subgraph answers the whole field itself, or
    /// there is no alternative.
    pub fn unmeasured(whole: bool, new_fetch: bool) -> Self {
        Self {
            incomplete: !whole,
            new_fetch,
            fetches: 0,
            answered_here: 0,
        }
    }
}

impl Ord for Cost {
    fn cmp(&self, other: &Self) -> Ordering {
        self.incomplete
            .cmp(&other.incomplete)
            .then(self.new_fetch.cmp(&other.new_fetch))
            .then(self.fetches.cmp(&other.fetches))
            // More answered here is better.
            .then(other.answered_here.cmp(&self.answered_here))
    }
}

impl PartialOrd for Cost {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn measured(fetches: usize, answered_here: usize) -> Cost {
        Cost {
            incomplete: false,
            new_fetch: false,
            fetches,
            answered_here,
        }
    }

    #[test]
    fn a_complete_plan_beats_any_incomplete_one() {
        let incomplete = Cost {
            incomplete: true,
            ..measured(1, 100)
        };
        assert!(measured(9, 0) < incomplete);
    }

    #[test]
    fn reusing_a_fetch_beats_fewer_fetches() {
        let new_fetch = Cost {
            new_fetch: true,
            ..measured(1, 0)
        };
        assert!(measured(5, 0) < new_fetch);
    }

    #[test]
    fn fewer_fetches_win_then_more_answered_here() {
        assert!(measured(2, 0) < measured(3, 50));
        assert!(measured(2, 7) < measured(2, 6));
        assert!(Cost::unmeasured(true, false) < measured(1, 10_000));
    }
}
