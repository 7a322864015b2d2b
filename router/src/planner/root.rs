//! Root choice: which subgraph answers each root field. Mutations run in document order;
//! a query's field goes to a subgraph that answers it whole, else to the cheapest plan.

use apollo_compiler::Name;
use apollo_compiler::ast::OperationType;

use super::cost::Cost;
use super::groups::GroupId;
use super::selection::{Sel, merge};
use super::walk::{At, provided_by};
use super::{PlanError, Planner};
use crate::operation::{Field, Operation, Selection, SelectionSet};
use crate::supergraph::{FieldSource, GraphId};

impl Planner<'_> {
    pub(super) fn plan_root(&mut self, op: &Operation) -> Result<(), PlanError> {
        let root = &op.root_type;
        let mut last_root: Option<GroupId> = None;
        for field in root_fields(&op.selection, root) {
            if is_introspection(field) {
                continue;
            }
            let sources: Vec<FieldSource> = self
                .sg
                .field_sources(root, &field.name)
                .into_iter()
                .filter(|s| !s.external && !s.overridden)
                .collect();
            let chosen = match op.kind {
                OperationType::Mutation => self.mutation_group(&sources, last_root),
                _ => self.cheapest_root_group(op.kind, root, field, &sources)?,
            };
            let gid = chosen.ok_or_else(|| PlanError::unreachable(root, &field.name))?;
            last_root = Some(gid);
            let graph = self.groups[gid].graph;
            let source = sources.iter().find(|s| s.graph == graph).cloned();
            let provided = provided_by(source.as_ref());
            let (sels, failed) = self.plan_field(at_root(gid, root), field, provided.as_ref())?;
            merge(&mut self.groups[gid].selections, sels);
            if let Some(rest) = failed {
                // A shared root field: what this subgraph cannot answer, another may. Not for
                // mutations (they must run once), nor abstract results, whose runtime type
                // decides which subgraph may answer.
                if op.kind == OperationType::Mutation
                    || self.sg.is_abstract(field.ty.inner_named_type())
                {
                    return Err(PlanError::unreachable(root, &field.name));
                }
                self.plan_root_remainder(op.kind, root, &rest, &sources, vec![graph])?;
            }
        }
        Ok(())
    }

    /// Mutations run in document order: a new fetch whenever the subgraph changes, waiting
    /// for every fetch before it.
    fn mutation_group(
        &mut self,
        sources: &[FieldSource],
        last_root: Option<GroupId>,
    ) -> Option<GroupId> {
        let current = last_root.map(|g| self.groups[g].graph);
        let source = sources
            .iter()
            .find(|s| Some(s.graph) == current)
            .or_else(|| sources.first())?;
        match last_root.filter(|&g| self.groups[g].graph == source.graph) {
            Some(g) => Some(g),
            None => {
                let deps = self.groups.iter().map(|(g, _)| g).collect();
                Some(self.groups.add(
                    source.graph,
                    OperationType::Mutation,
                    false,
                    Vec::new(),
                    deps,
                ))
            }
        }
    }

    /// The root fetch of the source with the lowest [`Cost`] (the first among equals).
    fn cheapest_root_group(
        &mut self,
        kind: OperationType,
        root: &Name,
        field: &Field,
        sources: &[FieldSource],
    ) -> Result<Option<GroupId>, PlanError> {
        let mut best: Option<(Cost, GraphId)> = None;
        for source in sources {
            let cost = self.cost(kind, root, field, source, sources.len())?;
            if best.is_none_or(|(c, _)| cost < c) {
                best = Some((cost, source.graph));
            }
        }
        Ok(best.map(|(_, graph)| self.root_group(graph, kind)))
    }

    /// A subgraph that answers the whole field itself costs nothing more to know; otherwise
    /// (when there is a choice) the field is planned from it, measured, and undone.
    fn cost(
        &mut self,
        kind: OperationType,
        root: &Name,
        field: &Field,
        source: &FieldSource,
        alternatives: usize,
    ) -> Result<Cost, PlanError> {
        let provided = provided_by(Some(source));
        let whole = field.selection.as_ref().is_none_or(|set| {
            self.fields_local_provided(
                source.graph,
                field.ty.inner_named_type(),
                set,
                provided.as_ref(),
            )
        });
        let new_fetch = self.groups.root_fetch(source.graph).is_none();
        if whole || alternatives == 1 {
            return Ok(Cost::unmeasured(whole, new_fetch));
        }
        self.budget.check()?;
        let snapshot = self.groups.clone();
        let gid = self.root_group(source.graph, kind);
        let planned = self.plan_field(at_root(gid, root), field, provided.as_ref());
        let fetches = self.groups.len();
        self.restore(snapshot);
        let answered_here = match super::attempt(planned)? {
            Some((sels, None)) => Some(count_leaves(&sels)),
            _ => None,
        };
        Ok(Cost {
            incomplete: answered_here.is_none(),
            new_fetch,
            fetches,
            answered_here: answered_here.unwrap_or(0),
        })
    }

    /// Plans what one subgraph could not answer of a shared root field in the others.
    fn plan_root_remainder(
        &mut self,
        kind: OperationType,
        root: &Name,
        field: &Field,
        sources: &[FieldSource],
        mut tried: Vec<GraphId>,
    ) -> Result<(), PlanError> {
        let Some(source) = sources.iter().find(|s| !tried.contains(&s.graph)).cloned() else {
            return Err(PlanError::unreachable(root, &field.name));
        };
        tried.push(source.graph);
        let gid = self.root_group(source.graph, kind);
        let provided = provided_by(Some(&source));
        let (sels, failed) = self.plan_field(at_root(gid, root), field, provided.as_ref())?;
        merge(&mut self.groups[gid].selections, sels);
        match failed {
            Some(rest) => self.plan_root_remainder(kind, root, &rest, sources, tried),
            None => Ok(()),
        }
    }
}

/// The root of the response, in fetch `group`.
fn at_root(group: GroupId, root: &Name) -> At<'_> {
    At {
        group,
        ty: root,
        path: &[],
    }
}

fn is_introspection(field: &Field) -> bool {
    field.name.starts_with("__")
}

fn count_leaves(sels: &[Sel]) -> usize {
    sels.iter()
        .map(|s| match s {
            Sel::Field { selections, .. } if selections.is_empty() => 1,
            Sel::Field { selections, .. } | Sel::Fragment { selections, .. } => {
                count_leaves(selections)
            }
        })
        .sum()
}

/// The root fields in document order, fragments on the root type flattened.
fn root_fields<'s>(set: &'s SelectionSet, root: &Name) -> Vec<&'s Field> {
    let mut fields = Vec::new();
    for item in &set.items {
        match item {
            Selection::Field(f) => fields.push(f),
            Selection::Fragment { on, selection } if on == root => {
                fields.extend(root_fields(selection, root))
            }
            Selection::Fragment { .. } => {}
        }
    }
    fields
}
