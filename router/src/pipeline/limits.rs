//! Size limits on operations: how large the query text is, how many fields it has once its
//! fragments are expanded, how deep selections nest and how many aliases they use.

use crate::operation::{Selection, SelectionSet};

#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub max_depth: usize,
    pub max_aliases: usize,
    /// Largest accepted query text, in bytes.
    pub max_query_bytes: usize,
    /// Most fields (and type conditions) an operation may have once fragments are expanded.
    pub max_fields: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_depth: 15,
            max_aliases: 100,
            max_query_bytes: 64 * 1024,
            max_fields: 5_000,
        }
    }
}

/// The deepest field nesting (a root field is depth 1).
pub fn depth(set: &SelectionSet) -> usize {
    set.items
        .iter()
        .map(|item| match item {
            Selection::Field(f) => 1 + f.selection.as_ref().map_or(0, depth),
            Selection::Fragment { selection, .. } => depth(selection),
        })
        .max()
        .unwrap_or(0)
}

pub fn aliases(set: &SelectionSet) -> usize {
    set.items
        .iter()
        .map(|item| match item {
            Selection::Field(f) => {
                usize::from(f.alias.is_some()) + f.selection.as_ref().map_or(0, aliases)
            }
            Selection::Fragment { selection, .. } => aliases(selection),
        })
        .sum()
}

/// Fields and type conditions, nested ones included.
pub fn fields(set: &SelectionSet) -> usize {
    set.items
        .iter()
        .map(|item| match item {
            Selection::Field(f) => 1 + f.selection.as_ref().map_or(0, fields),
            Selection::Fragment { selection, .. } => 1 + fields(selection),
        })
        .sum()
}
