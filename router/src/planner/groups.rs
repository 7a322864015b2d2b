//! The fetches being built ("groups"): one subgraph, one response path, the selections asked
//! and the groups it waits for. An entity fetch is shared by every jump to the same subgraph
//! at the same path unless sharing would create a cycle or a clash.

use std::collections::BTreeSet;
use std::ops::{Index, IndexMut};

use apollo_compiler::Name;
use apollo_compiler::ast::OperationType;

use super::Planner;
use super::plan::PathStep;
use super::selection::Sel;
use crate::supergraph::GraphId;

/// A group's place in [`Groups`]; groups are only ever added (or undone all at once), so
/// an id stays valid as long as the snapshot it came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(super) struct GroupId(usize);

impl GroupId {
    pub fn index(self) -> usize {
        self.0
    }
}

#[derive(Clone)]
pub(super) struct Group {
    /// The subgraph asked.
    pub(super) graph: GraphId,
    pub(super) kind: OperationType,
    /// An `_entities` fetch (else one of root fields).
    pub(super) entity: bool,
    /// Where its results merge into the response (empty for root fetches).
    pub(super) path: Vec<PathStep>,
    /// What it asks (inside `_entities` for entity fetches).
    pub(super) selections: Vec<Sel>,
    /// For entity groups: the representation selections (`... on T { __typename key }`).
    pub requires: Vec<Sel>,
    /// The groups whose results it needs first.
    pub deps: BTreeSet<GroupId>,
    /// Internal aliases to undo in the response: (alias sent, response key meant).
    pub renames: Vec<(Name, Name)>,
}

/// Every group planned so far. Cloning it is how the search takes a snapshot to undo to.
#[derive(Clone, Default)]
pub(super) struct Groups(Vec<Group>);

impl Groups {
    pub fn add(
        &mut self,
        graph: GraphId,
        kind: OperationType,
        entity: bool,
        path: Vec<PathStep>,
        deps: BTreeSet<GroupId>,
    ) -> GroupId {
        self.0.push(Group {
            graph,
            kind,
            entity,
            path,
            selections: Vec::new(),
            requires: Vec::new(),
            deps,
            renames: Vec::new(),
        });
        GroupId(self.0.len() - 1)
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn contains(&self, id: GroupId) -> bool {
        id.0 < self.0.len()
    }

    pub fn iter(&self) -> impl Iterator<Item = (GroupId, &Group)> {
        self.0.iter().enumerate().map(|(i, g)| (GroupId(i), g))
    }

    /// The fetch of root fields from `graph`, if one is planned.
    pub fn root_fetch(&self, graph: GraphId) -> Option<GroupId> {
        self.iter()
            .find(|(_, g)| !g.entity && g.path.is_empty() && g.graph == graph)
            .map(|(id, _)| id)
    }

    /// Whether group `a` (transitively) waits for group `b`.
    fn depends_on(&self, a: GroupId, b: GroupId) -> bool {
        let mut stack = vec![a];
        let mut seen = BTreeSet::new();
        while let Some(g) = stack.pop() {
            if !seen.insert(g) {
                continue;
            }
            for &d in &self[g].deps {
                if d == b {
                    return true;
                }
                stack.push(d);
            }
        }
        false
    }
}

impl Index<GroupId> for Groups {
    type Output = Group;

    fn index(&self, id: GroupId) -> &Group {
        &self.0[id.0]
    }
}

impl IndexMut<GroupId> for Groups {
    fn index_mut(&mut self, id: GroupId) -> &mut Group {
        &mut self.0[id.0]
    }
}

impl Planner<'_> {
    /// The root fetch from `graph`, planned now if it is not yet.
    pub(super) fn root_group(&mut self, graph: GraphId, kind: OperationType) -> GroupId {
        match self.groups.root_fetch(graph) {
            Some(g) => g,
            None => self
                .groups
                .add(graph, kind, false, Vec::new(), BTreeSet::new()),
        }
    }

    /// The entity fetch for `graph` at `path`, shared when that creates no cycle.
    /// A fetch cannot be shared when the representations would need one field twice with
    /// different arguments (`price(currency: "USD")` and `price(currency: "EUR")`).
    pub(super) fn entity_group(
        &mut self,
        graph: GraphId,
        path: &[PathStep],
        deps: BTreeSet<GroupId>,
        representation: &[Sel],
    ) -> GroupId {
        let reusable = self.groups.iter().find(|&(g, group)| {
            group.entity
                && group.graph == graph
                && group.path == path
                && !argument_clash(&group.requires, representation)
                && !deps.iter().any(|&d| d == g || self.groups.depends_on(d, g))
        });
        let group = match reusable.map(|(g, _)| g) {
            Some(g) => {
                self.groups[g].deps.extend(deps);
                g
            }
            None => self
                .groups
                .add(graph, OperationType::Query, true, path.to_vec(), deps),
        };
        for feeding in &mut self.feeding {
            feeding.insert(group);
        }
        group
    }

    /// Undoes a failed attempt: back to the groups of `snapshot`.
    pub(super) fn restore(&mut self, snapshot: Groups) {
        self.groups = snapshot;
        let groups = &self.groups;
        for feeding in &mut self.feeding {
            feeding.retain(|&g| groups.contains(g));
        }
    }
}

/// Whether `a` and `b` select one field name with different arguments anywhere.
fn argument_clash(a: &[Sel], b: &[Sel]) -> bool {
    a.iter().any(|x| {
        b.iter().any(|y| match (x, y) {
            (
                Sel::Field {
                    name: n1,
                    arguments: a1,
                    selections: s1,
                    ..
                },
                Sel::Field {
                    name: n2,
                    arguments: a2,
                    selections: s2,
                    ..
                },
            ) => n1 == n2 && (a1 != a2 || argument_clash(s1, s2)),
            (
                Sel::Fragment {
                    on: o1,
                    selections: s1,
                },
                Sel::Fragment {
                    on: o2,
                    selections: s2,
                },
            ) => o1 == o2 && argument_clash(s1, s2),
            _ => false,
        })
    })
}
