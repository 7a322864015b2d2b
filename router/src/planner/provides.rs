//! What a subgraph resolves itself: its own fields, and `@external` ones where an enclosing
//! `@provides` says it returns them along with their parent.

use apollo_compiler::Name;

use super::Planner;
use crate::operation::{Field, Selection, SelectionSet, from_field_set};
use crate::supergraph::{FieldSource, GraphId};

impl Planner<'_> {
    /// The source through which `graph` itself can resolve `ty.field`, if any.
    pub(super) fn local_source(
        &self,
        graph: GraphId,
        ty: &Name,
        field: &Field,
        provided: Option<&SelectionSet>,
    ) -> Option<FieldSource> {
        let source = self
            .sg
            .field_sources(ty, &field.name)
            .into_iter()
            .find(|s| s.graph == graph)?;
        if source.overridden || source.requires.is_some() {
            return None;
        }
        if source.external && !provided.is_some_and(|p| provided_child_exists(p, &field.name)) {
            return None;
        }
        Some(source)
    }

    /// Whether `graph` resolves all of `set` on `ty` itself.
    pub(super) fn fields_local(&self, graph: GraphId, ty: &Name, set: &SelectionSet) -> bool {
        self.fields_local_provided(graph, ty, set, None)
    }

    /// Whether `graph` resolves all of `set` on `ty` itself, counting what an enclosing
    /// `@provides` covers.
    pub(super) fn fields_local_provided(
        &self,
        graph: GraphId,
        ty: &Name,
        set: &SelectionSet,
        provided: Option<&SelectionSet>,
    ) -> bool {
        if self.sg.is_abstract(ty) && !self.is_interface_object(ty, graph) {
            // Local only if every type the subgraph can return has the fields.
            return self
                .sg
                .possible_types_in_graph(ty, graph)
                .iter()
                .all(|concrete| {
                    let applicable = SelectionSet {
                        ty: concrete.clone(),
                        items: self.applicable_to(concrete, &set.items),
                    };
                    let provided_here = provided.map(|p| self.provided_for(p, concrete));
                    self.fields_local_provided(graph, concrete, &applicable, provided_here.as_ref())
                });
        }
        set.items.iter().all(|item| match item {
            Selection::Field(f) if f.is_typename() => true,
            Selection::Field(f) => {
                let Some(source) = self.local_source(graph, ty, f, provided) else {
                    return false;
                };
                let below = match &source.provides {
                    Some(p) => Some(from_field_set(p)),
                    None => provided.and_then(|p| provided_child(p, &f.name)),
                };
                f.selection.as_ref().is_none_or(|sub| {
                    self.fields_local_provided(graph, f.ty.inner_named_type(), sub, below.as_ref())
                })
            }
            Selection::Fragment { on, selection } => {
                !self.applies(on, ty) || self.fields_local_provided(graph, ty, selection, provided)
            }
        })
    }

    /// What `@provides` covers for objects of type `concrete`.
    pub(super) fn provided_for(&self, provided: &SelectionSet, concrete: &Name) -> SelectionSet {
        let mut items = Vec::new();
        for item in &provided.items {
            match item {
                Selection::Field(_) => items.push(item.clone()),
                Selection::Fragment { on, selection } if self.applies(on, concrete) => {
                    items.extend(self.provided_for(selection, concrete).items)
                }
                Selection::Fragment { .. } => {}
            }
        }
        SelectionSet {
            ty: concrete.clone(),
            items,
        }
    }
}

fn provided_child_exists(provided: &SelectionSet, name: &str) -> bool {
    provided.items.iter().any(|item| match item {
        Selection::Field(f) => f.name == name,
        Selection::Fragment { selection, .. } => provided_child_exists(selection, name),
    })
}

/// What `@provides` covers below field `name`.
pub(super) fn provided_child(provided: &SelectionSet, name: &str) -> Option<SelectionSet> {
    let mut found: Option<SelectionSet> = None;
    for item in &provided.items {
        let below = match item {
            Selection::Field(f) if f.name == name => f.selection.clone(),
            Selection::Fragment { selection, .. } => provided_child(selection, name),
            Selection::Field(_) => None,
        };
        if let Some(sub) = below {
            match &mut found {
                Some(existing) => existing.items.extend(sub.items),
                None => found = Some(sub),
            }
        }
    }
    found
}
