//! Entity jumps: a field the current subgraph cannot resolve is asked of another through
//! `_entities`, fed by representations the current fetch selects. Candidates are tried in
//! order of preference; a failed try is undone and the next one tried.

use std::collections::BTreeSet;

use apollo_compiler::Name;

use super::groups::GroupId;
use super::keys::EntityTarget;
use super::plan::PathStep;
use super::selection::{Sel, merge};
use super::walk::{At, provided_by};
use super::{PlanError, Planner, attempt};
use crate::operation::{Field, Selection};
use crate::supergraph::{FieldSource, GraphId};

/// Why one jump candidate comes before another (lower first): a subgraph already fetched
/// at this path, then one reachable by a key the current subgraph has itself, then the
/// supergraph's order of subgraphs.
#[derive(PartialEq, Eq, PartialOrd, Ord)]
struct Preference {
    new_fetch: bool,
    foreign_key: bool,
    graph: GraphId,
}

impl Planner<'_> {
    /// Resolves `field` of `at.ty` in another subgraph through an entity fetch. Returns what
    /// `at.group` must select (typename, key, required fields) to feed it.
    pub(super) fn jump(
        &mut self,
        at: At,
        field: &Field,
        elsewhere: bool,
    ) -> Result<Vec<Sel>, PlanError> {
        let graph = self.groups[at.group].graph;
        let mut candidates: Vec<FieldSource> = self
            .sg
            .field_sources(at.ty, &field.name)
            .into_iter()
            .filter(|s| !s.overridden && !s.external)
            .filter(|s| !(elsewhere && s.graph == graph))
            .filter(|s| {
                !self
                    .visiting
                    .contains(&(at.ty.clone(), s.graph, field.name.clone()))
            })
            .collect();
        candidates.sort_by_key(|s| Preference {
            new_fetch: !self
                .groups
                .iter()
                .any(|(_, g)| g.entity && g.graph == s.graph && g.path == at.path),
            foreign_key: !self
                .target(graph, at.ty, s.graph)
                .is_some_and(|(_, local)| local),
            graph: s.graph,
        });
        let mut tried = Vec::new();
        self.jump_via(at, field, &candidates, &mut tried)
    }

    /// Tries the candidates in order; a subgraph that answers only part of the field's
    /// selection is kept, and the rest goes to the remaining candidates.
    fn jump_via(
        &mut self,
        at: At,
        field: &Field,
        candidates: &[FieldSource],
        tried: &mut Vec<GraphId>,
    ) -> Result<Vec<Sel>, PlanError> {
        let graph = self.groups[at.group].graph;
        for source in candidates {
            if tried.contains(&source.graph) {
                continue;
            }
            let Some((target, _)) = self.target(graph, at.ty, source.graph) else {
                continue;
            };
            self.budget.check()?;
            let snapshot = self.groups.clone();
            self.visiting
                .push((at.ty.clone(), source.graph, field.name.clone()));
            let fed = self.feed_entity_fetch(at, field, source, &target);
            self.visiting.pop();
            match attempt(fed)? {
                Some((local, None)) => return Ok(local),
                Some((mut local, Some(rest))) => {
                    tried.push(source.graph);
                    match attempt(self.jump_via(at, &rest, candidates, tried))? {
                        Some(more) => {
                            merge(&mut local, more);
                            return Ok(local);
                        }
                        None => self.restore(snapshot),
                    }
                }
                None => self.restore(snapshot),
            }
        }
        Err(PlanError::unreachable(at.ty, &field.name))
    }

    /// Plans the entity fetch of `field` from `target` and what `at.group` selects to feed
    /// it. Also returns the part of the field the target could not answer, if any.
    fn feed_entity_fetch(
        &mut self,
        at: At,
        field: &Field,
        source: &FieldSource,
        target: &EntityTarget,
    ) -> Result<(Vec<Sel>, Option<Field>), PlanError> {
        self.feeding.push(BTreeSet::new());
        let inputs = self.plan_entity_inputs(at, field, source, &target.key);
        let mut deps = self.feeding.pop().unwrap_or_default();
        let (local, representation) = inputs?;
        deps.insert(at.group);
        let group = self.open_entity_fetch(target.graph, &target.ty, at.path, deps, representation);
        let in_target = At {
            group,
            ty: &target.ty,
            path: at.path,
        };
        let provided = provided_by(Some(source));
        let (field_sels, remainder) = self.plan_field(in_target, field, provided.as_ref())?;
        if field_sels.is_empty() {
            return Err(PlanError::unreachable(at.ty, &field.name));
        }
        self.ask_entities(group, &target.ty, field_sels);
        Ok((local, remainder))
    }

    /// Resolves `items` of an `@interfaceObject` value (its real `__typename`, fragments on
    /// implementations) in a subgraph that knows the interface `at.ty` as a real entity
    /// interface.
    pub(super) fn jump_to_real_interface(
        &mut self,
        at: At,
        items: &[Selection],
    ) -> Result<Vec<Sel>, PlanError> {
        let interface = at.ty;
        let graph = self.groups[at.group].graph;
        let candidates: Vec<GraphId> = self
            .sg
            .type_meta(interface)
            .map(|m| {
                m.graphs
                    .iter()
                    .filter(|(_, t)| !t.interface_object)
                    .map(|(g, _)| *g)
                    .collect()
            })
            .unwrap_or_default();
        for candidate in candidates {
            let Some((key, _)) = self.pick_key(graph, interface, interface, candidate) else {
                continue;
            };
            self.budget.check()?;
            let snapshot = self.groups.clone();
            self.feeding.push(BTreeSet::new());
            let inputs = self.plan_key(at, &key, "__typename");
            let mut deps = self.feeding.pop().unwrap_or_default();
            let Some((local, representation)) = attempt(inputs)? else {
                self.restore(snapshot);
                continue;
            };
            deps.insert(at.group);
            let group = self.open_entity_fetch(candidate, interface, at.path, deps, representation);
            let mut wanted = items.to_vec();
            wanted.push(typename_selection());
            let in_candidate = At { group, ..at };
            match attempt(self.plan_set(in_candidate, &wanted, None))? {
                Some((sels, failed)) if failed.is_empty() => {
                    self.ask_entities(group, interface, sels);
                    return Ok(local);
                }
                _ => self.restore(snapshot),
            }
        }
        Err(PlanError::unreachable(interface, "__typename"))
    }

    /// The entity fetch from `graph` at `path` that will take representations of type `on`
    /// (shaped as `representation`) once the groups `deps` have run.
    fn open_entity_fetch(
        &mut self,
        graph: GraphId,
        on: &Name,
        path: &[PathStep],
        deps: BTreeSet<GroupId>,
        representation: Vec<Sel>,
    ) -> GroupId {
        let representation = vec![Sel::Fragment {
            on: on.clone(),
            selections: representation,
        }];
        let group = self.entity_group(graph, path, deps, &representation);
        merge(&mut self.groups[group].requires, representation);
        group
    }

    /// Adds `selections` on the entities of type `on` that `group` fetches.
    fn ask_entities(&mut self, group: GroupId, on: &Name, selections: Vec<Sel>) {
        merge(
            &mut self.groups[group].selections,
            vec![Sel::Fragment {
                on: on.clone(),
                selections,
            }],
        );
    }
}

fn typename_selection() -> Selection {
    Selection::Field(Field {
        alias: None,
        name: Name::new_unchecked("__typename"),
        arguments: Vec::new(),
        ty: apollo_compiler::ast::Type::NonNullNamed(Name::new_unchecked("String")),
        selection: None,
    })
}
