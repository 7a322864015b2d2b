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

    fn cost(incomplete: bool, new_fetch: bool, fetches: usize, answered_here: usize) -> Cost {
        Cost {
            incomplete,
            new_fetch,
            fetches,
            answered_here,
        }
    }

    #[test]
    fn a_complete_plan_beats_any_incomplete_one() {
        assert!(cost(false, true, 9, 0) < cost(true, false, 1, 100));
    }

    #[test]
    fn reusing_a_fetch_beats_fewer_fetches() {
        assert!(cost(false, false, 5, 0) < cost(false, true, 1, 0));
    }

    #[test]
    fn fewer_fetches_win_then_more_answered_here() {
        assert!(cost(false, false, 2, 0) < cost(false, false, 3, 50));
        assert!(cost(false, false, 2, 7) < cost(false, false, 2, 6));
        assert!(Cost::unmeasured(true, false) < cost(false, false, 1, 10_000));
    }
}
