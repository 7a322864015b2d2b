//! Normalization: the validated document's chosen operation, with fragment spreads inlined
//! and `@skip`/`@include` evaluated against the coerced variables.

use apollo_compiler::Schema;
use apollo_compiler::ast::Value;
use apollo_compiler::executable::{self, DirectiveList, ExecutableDocument};
use apollo_compiler::validation::Valid;
use serde_json::{Map, Value as Json};

use crate::operation::{Field, Operation, Selection, SelectionSet};

pub fn normalize(
    schema: &Valid<Schema>,
    document: &Valid<ExecutableDocument>,
    operation: &executable::Operation,
    variables: &Map<String, Json>,
) -> Operation {
    let root_type = schema
        .root_operation(operation.operation_type)
        .cloned()
        .unwrap_or_else(|| operation.selection_set.ty.clone());
    Operation {
        kind: operation.operation_type,
        root_type,
        variables: operation.variables.clone(),
        selection: selection_set(document, &operation.selection_set, variables, 0),
    }
}

/// Fragment cycles are rejected by validation; the depth bound is a second guard.
const MAX_FRAGMENT_DEPTH: usize = 256;

fn selection_set(
    document: &ExecutableDocument,
    set: &executable::SelectionSet,
    variables: &Map<String, Json>,
    depth: usize,
) -> SelectionSet {
    let mut items = Vec::new();
    if depth > MAX_FRAGMENT_DEPTH {
        return SelectionSet {
            ty: set.ty.clone(),
            items,
        };
    }
    for selection in &set.selections {
        match selection {
            executable::Selection::Field(field) => {
                if !included(&field.directives, variables) {
                    continue;
                }
                items.push(Selection::Field(Field {
                    alias: field.alias.clone(),
                    name: field.name.clone(),
                    arguments: field.arguments.clone(),
                    ty: field.definition.ty.clone(),
                    selection: (!field.selection_set.selections.is_empty()).then(|| {
                        selection_set(document, &field.selection_set, variables, depth + 1)
                    }),
                }));
            }
            executable::Selection::InlineFragment(fragment) => {
                if !included(&fragment.directives, variables) {
                    continue;
                }
                let inner = selection_set(document, &fragment.selection_set, variables, depth + 1);
                push_fragment(&mut items, &set.ty, fragment.type_condition.as_ref(), inner);
            }
            executable::Selection::FragmentSpread(spread) => {
                if !included(&spread.directives, variables) {
                    continue;
                }
                let Some(fragment) = document.fragments.get(&spread.fragment_name) else {
                    continue;
                };
                let inner = selection_set(document, &fragment.selection_set, variables, depth + 1);
                push_fragment(&mut items, &set.ty, Some(fragment.type_condition()), inner);
            }
        }
    }
    SelectionSet {
        ty: set.ty.clone(),
        items,
    }
}

/// A fragment on the enclosing type itself adds its selections directly.
fn push_fragment(
    items: &mut Vec<Selection>,
    parent: &apollo_compiler::Name,
    on: Option<&apollo_compiler::Name>,
    inner: SelectionSet,
) {
    match on {
        Some(on) if on != parent => items.push(Selection::Fragment {
            on: on.clone(),
            selection: inner,
        }),
        _ => items.extend(inner.items),
    }
}

fn included(directives: &DirectiveList, variables: &Map<String, Json>) -> bool {
    let condition = |name: &str| {
        directives
            .get(name)
            .and_then(|d| d.specified_argument_by_name("if"))
            .map(|value| match value.as_ref() {
                Value::Boolean(b) => *b,
                Value::Variable(v) => variables
                    .get(v.as_str())
                    .and_then(Json::as_bool)
                    .unwrap_or(false),
                _ => false,
            })
    };
    !condition("skip").unwrap_or(false) && condition("include").unwrap_or(true)
}
