//! The walk down an operation: each field's selections are planned in the fetch that has
//! their parent, abstract types per possible concrete type, and what that subgraph cannot
//! resolve is handed to an entity jump (or back to the caller when no jump reaches it).

use std::collections::HashMap;

use apollo_compiler::Name;

use super::groups::GroupId;
use super::plan::PathStep;
use super::provides::provided_child;
use super::selection::{Sel, merge};
use super::{PlanError, Planner, attempt};
use crate::operation::{Field, Selection, SelectionSet, from_field_set};
use crate::supergraph::{FieldSource, GraphId};

/// What a fetch selects at one place, and the items it could not reach from there (the
/// caller may fetch the parent elsewhere for those).
type Planned = (Vec<Sel>, Vec<Selection>);

impl Planner<'_> {
    /// One field resolved in group `gid`, with its sub-selections planned. Also returns the
    /// field restricted to the sub-selections group `gid` could not reach, if any.
    pub(super) fn plan_field(
        &mut self,
        gid: GroupId,
        parent: &Name,
        path: &[PathStep],
        field: &Field,
        source: Option<&FieldSource>,
    ) -> Result<(Vec<Sel>, Option<Field>), PlanError> {
        let provided = source.and_then(|s| s.provides.as_ref()).map(from_field_set);
        self.plan_field_with(gid, parent, path, field, provided.as_ref())
    }

    /// Like [`Self::plan_field`], with what an enclosing `@provides` covers already known.
    pub(super) fn plan_field_with(
        &mut self,
        gid: GroupId,
        parent: &Name,
        path: &[PathStep],
        field: &Field,
        provided: Option<&SelectionSet>,
    ) -> Result<(Vec<Sel>, Option<Field>), PlanError> {
        let (selections, failed) = match &field.selection {
            Some(set) => {
                let mut child_path = path.to_vec();
                child_path.push(PathStep::Key(field.response_key().clone()));
                child_path.extend(std::iter::repeat_n(PathStep::List, list_depth(&field.ty)));
                // A subgraph may type the field more narrowly (`Book` where the supergraph
                // says `Media`): plan against what the subgraph accepts.
                let graph = self.groups[gid].graph;
                let declared = self.field_type_in_graph(parent, &field.name, graph);
                let named = declared.trim_matches(|c| c == '[' || c == ']' || c == '!');
                let ty = match self.sg.schema.types.get_key_value(named) {
                    Some((name, _)) => name.clone(),
                    None => field.ty.inner_named_type().clone(),
                };
                let (mut sels, failed) =
                    self.plan_set(gid, &ty, &child_path, &set.items, provided)?;
                if self.sg.is_abstract(field.ty.inner_named_type()) && !self.sg.is_abstract(&ty) {
                    // The response is shaped by runtime type: ask for it.
                    merge(&mut sels, vec![Sel::typename()]);
                }
                (sels, failed)
            }
            None => (Vec::new(), Vec::new()),
        };
        let remainder = (!failed.is_empty()).then(|| Field {
            selection: Some(SelectionSet {
                ty: field.ty.inner_named_type().clone(),
                items: failed,
            }),
            ..field.clone()
        });
        if remainder.is_some()
            && selections
                .iter()
                .all(|s| matches!(s, Sel::Field { name, .. } if name == "__typename"))
        {
            return Ok((Vec::new(), remainder));
        }
        Ok((
            vec![Sel::Field {
                alias: field.alias.clone(),
                name: field.name.clone(),
                arguments: field.arguments.clone(),
                selections,
            }],
            remainder,
        ))
    }

    /// Plans `items` selected on `ty` at `path` inside group `gid`.
    pub(super) fn plan_set(
        &mut self,
        gid: GroupId,
        ty: &Name,
        path: &[PathStep],
        items: &[Selection],
        provided: Option<&SelectionSet>,
    ) -> Result<Planned, PlanError> {
        self.budget.check()?;
        let graph = self.groups[gid].graph;
        if self.sg.is_abstract(ty) && !self.is_interface_object(ty, graph) {
            return self.plan_abstract_set(gid, ty, path, items, provided);
        }
        self.plan_object_set(gid, ty, path, items, provided)
    }

    /// An interface or union: the fields each concrete type the subgraph can return selects.
    fn plan_abstract_set(
        &mut self,
        gid: GroupId,
        ty: &Name,
        path: &[PathStep],
        items: &[Selection],
        provided: Option<&SelectionSet>,
    ) -> Result<Planned, PlanError> {
        let graph = self.groups[gid].graph;
        let mut out = vec![Sel::typename()];
        let mut failed = Vec::new();
        let mut seen_types: HashMap<Name, String> = HashMap::new();
        let concretes = self.sg.possible_types_in_graph(ty, graph);
        if concretes.is_empty() {
            // The subgraph has no implementation to return: interface fields must come
            // from elsewhere, by the interface's own keys.
            for item in items {
                if let Selection::Field(field) = item {
                    if field.is_typename() {
                        continue;
                    }
                    if self.local_source(graph, ty, field, provided).is_some() {
                        let (sels, _) = self.plan_field_with(gid, ty, path, field, None)?;
                        merge(&mut out, sels);
                        continue;
                    }
                    match attempt(self.jump(gid, ty, path, field, true))? {
                        Some(local) => merge(&mut out, local),
                        None => failed.push(item.clone()),
                    }
                }
            }
        }
        for concrete in concretes {
            let applicable = self.applicable_to(&concrete, items);
            if applicable
                .iter()
                .all(|i| matches!(i, Selection::Field(f) if f.is_typename()))
            {
                continue;
            }
            let provided_here = provided.map(|p| self.provided_for(p, &concrete));
            let (mut sub, sub_failed) =
                self.plan_set(gid, &concrete, path, &applicable, provided_here.as_ref())?;
            self.alias_type_conflicts(gid, &concrete, &mut sub, &mut seen_types);
            if !sub.is_empty() {
                merge(
                    &mut out,
                    vec![Sel::Fragment {
                        on: concrete.clone(),
                        selections: sub,
                    }],
                );
            }
            if !sub_failed.is_empty() {
                failed.push(Selection::Fragment {
                    on: concrete.clone(),
                    selection: SelectionSet {
                        ty: concrete,
                        items: sub_failed,
                    },
                });
            }
        }
        Ok((out, failed))
    }

    /// An object type (or an `@interfaceObject`): each field from this subgraph when it can,
    /// else through an entity jump.
    fn plan_object_set(
        &mut self,
        gid: GroupId,
        ty: &Name,
        path: &[PathStep],
        items: &[Selection],
        provided: Option<&SelectionSet>,
    ) -> Result<Planned, PlanError> {
        let graph = self.groups[gid].graph;
        let interface_object = self.is_interface_object(ty, graph);
        let mut out = Vec::new();
        let mut failed = Vec::new();
        // An `@interfaceObject` does not know its implementations: its real `__typename` and
        // fragments on implementations come from a subgraph that does.
        let mut needs_real_type = Vec::new();
        for item in items {
            match item {
                Selection::Field(field) if interface_object && field.is_typename() => {
                    needs_real_type.push(item.clone());
                }
                Selection::Fragment { on, .. } if interface_object && on != ty => {
                    needs_real_type.push(item.clone());
                }
                Selection::Fragment { on, selection } => {
                    if self.applies(on, ty) {
                        let (sub, sub_failed) =
                            self.plan_set(gid, ty, path, &selection.items, provided)?;
                        merge(&mut out, sub);
                        failed.extend(sub_failed);
                    }
                }
                Selection::Field(field) if field.is_typename() => merge(
                    &mut out,
                    vec![Sel::Field {
                        alias: field.alias.clone(),
                        name: field.name.clone(),
                        arguments: Vec::new(),
                        selections: Vec::new(),
                    }],
                ),
                Selection::Field(field) => match self.local_source(graph, ty, field, provided) {
                    Some(source) => {
                        let provided_below = match &source.provides {
                            Some(p) => Some(from_field_set(p)),
                            None => provided.and_then(|p| provided_child(p, &field.name)),
                        };
                        let (sels, remainder) =
                            self.plan_field_with(gid, ty, path, field, provided_below.as_ref())?;
                        merge(&mut out, sels);
                        if let Some(rest) = remainder {
                            // Part of the field's selection is out of reach from this subgraph:
                            // fetch the field again where it is reachable.
                            match attempt(self.jump(gid, ty, path, &rest, true))? {
                                Some(local) => merge(&mut out, local),
                                None => failed.push(Selection::Field(rest)),
                            }
                        }
                    }
                    None => match attempt(self.jump(gid, ty, path, field, false))? {
                        Some(local) => merge(&mut out, local),
                        None => failed.push(Selection::Field(field.clone())),
                    },
                },
            }
        }
        if !needs_real_type.is_empty() {
            match attempt(self.jump_to_real_interface(gid, ty, path, &needs_real_type))? {
                Some(local) => merge(&mut out, local),
                None => failed.extend(needs_real_type),
            }
        }
        Ok((out, failed))
    }

    /// How `graph` types `ty.field` (subgraphs may differ from the supergraph in nullability).
    pub(super) fn field_type_in_graph(&self, ty: &Name, field: &Name, graph: GraphId) -> String {
        let declared = self
            .sg
            .field_sources(ty, field)
            .into_iter()
            .find(|s| s.graph == graph)
            .and_then(|s| s.type_in_graph);
        declared.unwrap_or_else(|| {
            self.sg
                .schema
                .type_field(ty, field)
                .map(|f| f.ty.to_string())
                .unwrap_or_default()
        })
    }

    pub(super) fn is_interface_object(&self, ty: &Name, graph: GraphId) -> bool {
        self.sg
            .type_in_graph(ty, graph)
            .is_some_and(|t| t.interface_object)
    }

    /// Whether a fragment on `on` applies to an object of type `ty`.
    pub(super) fn applies(&self, on: &Name, ty: &Name) -> bool {
        on == ty || self.sg.schema.is_subtype(on, ty)
    }

    /// The items that apply to objects of type `concrete`: every field, and the fragments
    /// whose condition it meets.
    pub(super) fn applicable_to(&self, concrete: &Name, items: &[Selection]) -> Vec<Selection> {
        items
            .iter()
            .filter(|item| match item {
                Selection::Field(_) => true,
                Selection::Fragment { on, .. } => self.applies(on, concrete),
            })
            .cloned()
            .collect()
    }
}

fn list_depth(ty: &apollo_compiler::ast::Type) -> usize {
    use apollo_compiler::ast::Type;
    match ty {
        Type::Named(_) | Type::NonNullNamed(_) => 0,
        Type::List(inner) | Type::NonNullList(inner) => 1 + list_depth(inner),
    }
}
