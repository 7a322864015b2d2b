//! The walk down an operation: each field's selections are planned in the fetch that has
//! their parent, abstract types per possible concrete type, and what that subgraph cannot
//! resolve is handed to an entity jump (or back to the caller when no jump reaches it).

use std::collections::{BTreeSet, HashMap};

use apollo_compiler::Name;

use super::groups::GroupId;
use super::plan::PathStep;
use super::provides::provided_child;
use super::selection::{Sel, merge};
use super::{PlanError, Planner, attempt};
use crate::operation::{Field, Selection, SelectionSet, from_field_set};
use crate::supergraph::{FieldSource, GraphId};

/// Where the walk stands: the fetch being planned, the type selected on, the response path.
#[derive(Clone, Copy)]
pub(super) struct At<'a> {
    pub group: GroupId,
    pub ty: &'a Name,
    pub path: &'a [PathStep],
}

impl<'a> At<'a> {
    /// The same place, selecting on `ty` (a concrete type of an abstract one).
    pub fn on(self, ty: &'a Name) -> Self {
        Self { ty, ..self }
    }
}

/// What a fetch selects at one place, and the items it could not reach from there (the
/// caller may fetch the parent elsewhere for those).
type Planned = (Vec<Sel>, Vec<Selection>);

impl Planner<'_> {
    /// One field of `at.ty` resolved in `at.group`, with its sub-selections planned and
    /// `provided` what an enclosing `@provides` covers. Also returns the field restricted to
    /// the sub-selections that group could not reach, if any.
    pub(super) fn plan_field(
        &mut self,
        at: At,
        field: &Field,
        provided: Option<&SelectionSet>,
    ) -> Result<(Vec<Sel>, Option<Field>), PlanError> {
        let (selections, failed) = match &field.selection {
            Some(set) => {
                let mut child_path = at.path.to_vec();
                child_path.push(PathStep::Key(field.response_key().clone()));
                child_path.extend(std::iter::repeat_n(PathStep::List, list_depth(&field.ty)));
                // A subgraph may type the field more narrowly (`Book` where the supergraph
                // says `Media`): plan against what the subgraph accepts.
                let graph = self.groups[at.group].graph;
                let declared = self.field_type_in_graph(at.ty, &field.name, graph);
                let named = declared.trim_matches(|c| c == '[' || c == ']' || c == '!');
                let ty = match self.sg.schema.types.get_key_value(named) {
                    Some((name, _)) => name.clone(),
                    None => field.ty.inner_named_type().clone(),
                };
                let below = At {
                    group: at.group,
                    ty: &ty,
                    path: &child_path,
                };
                let (mut sels, failed) = self.plan_set(below, &set.items, provided)?;
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

    /// Plans `items` selected on `at.ty` at `at.path` inside `at.group`.
    pub(super) fn plan_set(
        &mut self,
        at: At,
        items: &[Selection],
        provided: Option<&SelectionSet>,
    ) -> Result<Planned, PlanError> {
        self.budget.check()?;
        let graph = self.groups[at.group].graph;
        if self.sg.is_abstract(at.ty) && !self.is_interface_object(at.ty, graph) {
            let concretes = self.sg.possible_types_in_graph(at.ty, graph);
            return self.plan_abstract_set(at, concretes, items, provided);
        }
        self.plan_object_set(at, items, provided)
    }

    /// An interface or union: the fields each of the `concretes` (the types the subgraph
    /// can return for it) selects.
    fn plan_abstract_set(
        &mut self,
        at: At,
        concretes: BTreeSet<Name>,
        items: &[Selection],
        provided: Option<&SelectionSet>,
    ) -> Result<Planned, PlanError> {
        let graph = self.groups[at.group].graph;
        let mut out = vec![Sel::typename()];
        let mut failed = Vec::new();
        let mut seen_types: HashMap<Name, String> = HashMap::new();
        if concretes.is_empty() {
            // The subgraph has no implementation to return: interface fields must come
            // from elsewhere, by the interface's own keys.
            for item in items {
                if let Selection::Field(field) = item {
                    if field.is_typename() {
                        continue;
                    }
                    if self.local_source(graph, at.ty, field, provided).is_some() {
                        let (sels, _) = self.plan_field(at, field, None)?;
                        merge(&mut out, sels);
                        continue;
                    }
                    match attempt(self.jump(at, field, true))? {
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
                self.plan_set(at.on(&concrete), &applicable, provided_here.as_ref())?;
            self.alias_type_conflicts(at.group, &concrete, &mut sub, &mut seen_types);
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
        at: At,
        items: &[Selection],
        provided: Option<&SelectionSet>,
    ) -> Result<Planned, PlanError> {
        let ty = at.ty;
        let graph = self.groups[at.group].graph;
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
                        let (sub, sub_failed) = self.plan_set(at, &selection.items, provided)?;
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
                            self.plan_field(at, field, provided_below.as_ref())?;
                        merge(&mut out, sels);
                        if let Some(rest) = remainder {
                            // Part of the field's selection is out of reach from this subgraph:
                            // fetch the field again where it is reachable.
                            match attempt(self.jump(at, &rest, true))? {
                                Some(local) => merge(&mut out, local),
                                None => failed.push(Selection::Field(rest)),
                            }
                        }
                    }
                    None => match attempt(self.jump(at, field, false))? {
                        Some(local) => merge(&mut out, local),
                        None => failed.push(Selection::Field(field.clone())),
                    },
                },
            }
        }
        if !needs_real_type.is_empty() {
            match attempt(self.jump_to_real_interface(at, &needs_real_type))? {
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

/// What `source` (the field's source in the subgraph asked) says it provides below it.
pub(super) fn provided_by(source: Option<&FieldSource>) -> Option<SelectionSet> {
    source.and_then(|s| s.provides.as_ref()).map(from_field_set)
}

fn list_depth(ty: &apollo_compiler::ast::Type) -> usize {
    use apollo_compiler::ast::Type;
    match ty {
        Type::Named(_) | Type::NonNullNamed(_) => 0,
        Type::List(inner) | Type::NonNullList(inner) => 1 + list_depth(inner),
    }
}
