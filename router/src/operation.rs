//! A normalized operation: fragments inlined as type conditions, `@skip`/`@include` already
//! applied. The planner plans it and the response is shaped from it.

use apollo_compiler::ast::{Argument, OperationType, Type, VariableDefinition};
use apollo_compiler::executable;
use apollo_compiler::{Name, Node};

#[derive(Debug, Clone)]
pub struct Operation {
    pub kind: OperationType,
    pub root_type: Name,
    pub variables: Vec<Node<VariableDefinition>>,
    pub selection: SelectionSet,
}

#[derive(Debug, Clone, PartialEq)]
pub struct SelectionSet {
    /// The type the selections are made on.
    pub ty: Name,
    pub items: Vec<Selection>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Selection {
    Field(Field),
    /// A fragment (spread or inline) that applies when the object is of type `on`.
    Fragment {
        on: Name,
        selection: SelectionSet,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub struct Field {
    pub alias: Option<Name>,
    pub name: Name,
    pub arguments: Vec<Node<Argument>>,
    /// The field's type as the schema declares it.
    pub ty: Type,
    pub selection: Option<SelectionSet>,
}

impl Field {
    pub fn response_key(&self) -> &Name {
        self.alias.as_ref().unwrap_or(&self.name)
    }

    pub fn is_typename(&self) -> bool {
        self.name == "__typename"
    }
}

/// Turns a field set (`@key`, `@requires`, `@provides`) into selections.
pub fn from_field_set(set: &executable::SelectionSet) -> SelectionSet {
    SelectionSet {
        ty: set.ty.clone(),
        items: set
            .selections
            .iter()
            .filter_map(|s| match s {
                executable::Selection::Field(f) => Some(Selection::Field(Field {
                    alias: f.alias.clone(),
                    name: f.name.clone(),
                    arguments: f.arguments.clone(),
                    ty: f.definition.ty.clone(),
                    selection: (!f.selection_set.selections.is_empty())
                        .then(|| from_field_set(&f.selection_set)),
                })),
                executable::Selection::InlineFragment(i) => Some(Selection::Fragment {
                    on: i.type_condition.clone().unwrap_or_else(|| set.ty.clone()),
                    selection: from_field_set(&i.selection_set),
                }),
                executable::Selection::FragmentSpread(_) => None,
            })
            .collect(),
    }
}
