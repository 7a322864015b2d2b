//! Ordering into a plan: each fetch runs at the stage after the last fetch it waits for;
//! the fetches of one stage run in parallel, the stages in sequence.

use std::collections::BTreeSet;

use apollo_compiler::ast::OperationType;

use super::Planner;
use super::groups::{Group, Groups};
use super::plan::{FetchNode, PlanNode, QueryPlan};
use super::selection::{Sel, print, variables_used};
use crate::operation::Operation;

impl Planner<'_> {
    pub(super) fn into_plan(self, op: &Operation) -> QueryPlan {
        let level = levels(&self.groups);
        let depth = level.iter().copied().max().map_or(0, |m| m + 1);
        let mut stages: Vec<Vec<PlanNode>> = vec![Vec::new(); depth];
        for (g, group) in self.groups.iter() {
            if group.selections.is_empty() {
                continue;
            }
            stages[level[g.index()]].push(PlanNode::Fetch(Box::new(self.fetch_node(group, op))));
        }
        let mut steps: Vec<PlanNode> = stages
            .into_iter()
            .filter(|s| !s.is_empty())
            .map(|mut s| {
                if s.len() == 1 {
                    s.remove(0)
                } else {
                    PlanNode::Parallel(s)
                }
            })
            .collect();
        let root = match steps.len() {
            0 => None,
            1 => steps.pop(),
            _ => Some(PlanNode::Sequence(steps)),
        };
        QueryPlan { root }
    }

    /// The fetch as it will be sent: its subgraph operation and what the response needs.
    fn fetch_node(&self, group: &Group, op: &Operation) -> FetchNode {
        let mut used = BTreeSet::new();
        variables_used(&group.selections, &mut used);
        let definitions: Vec<String> = op
            .variables
            .iter()
            .filter(|v| used.contains(&v.name))
            .map(|v| match &v.default_value {
                // Keep the default: a defaulted nullable variable may fill a non-null argument.
                Some(default) => format!("${}: {} = {}", v.name, v.ty, default),
                None => format!("${}: {}", v.name, v.ty),
            })
            .collect();
        let keyword = match group.kind {
            OperationType::Query => "query",
            OperationType::Mutation => "mutation",
            OperationType::Subscription => "subscription",
        };
        let printed = print(&group.selections);
        let operation = if group.entity {
            let mut defs = vec!["$representations: [_Any!]!".to_owned()];
            defs.extend(definitions.iter().cloned());
            format!(
                "query({}) {{ _entities(representations: $representations) {printed} }}",
                defs.join(", "),
            )
        } else if definitions.is_empty() {
            format!("{keyword} {printed}")
        } else {
            format!("{keyword}({}) {printed}", definitions.join(", "))
        };
        let subgraph = &self.sg.subgraphs[group.graph];
        FetchNode {
            graph: group.graph,
            subgraph: subgraph.name.clone(),
            kind: group.kind,
            path: group.path.clone(),
            requires: group.entity.then(|| group.requires.clone()),
            selections: group.selections.clone(),
            operation,
            variables: used.into_iter().collect(),
            variable_definitions: definitions,
            printed_selections: printed,
            renames: group.renames.clone(),
            interface_objects: group
                .requires
                .iter()
                .filter_map(|s| match s {
                    Sel::Fragment { on, .. } if self.is_interface_object(on, group.graph) => {
                        Some(on.clone())
                    }
                    _ => None,
                })
                .collect(),
        }
    }
}

/// Each group's stage: the longest chain of groups it waits for (deps are acyclic by
/// construction).
fn levels(groups: &Groups) -> Vec<usize> {
    let mut level = vec![0usize; groups.len()];
    for _ in 0..groups.len() {
        let mut changed = false;
        for (g, group) in groups.iter() {
            let want = group
                .deps
                .iter()
                .map(|d| level[d.index()] + 1)
                .max()
                .unwrap_or(0);
            if want > level[g.index()] {
                level[g.index()] = want;
                changed = true;
            }
        }
        if !changed {
            break;
        }
    }
    level
}
