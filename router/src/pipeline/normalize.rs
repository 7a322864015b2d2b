//! Normalization: the validated document's chosen operation, with fragment spreads inlined,
//! `@skip`/`@include` evaluated against the coerced variables, and fields that share a
//! response key merged into one (GraphQL's field collection).
//!
//! Inlining is where a small document can become a huge operation (a fragment spreading the
//! next one twice, twenty times over, is a million fields). Three things keep it bounded:
//! each fragment is expanded once and reused; merging makes `...F ...F` one selection, so a
//! fragment already merged into a selection set is not merged again; and every field or
//! fragment placed into the result is counted against a budget before it is copied, so what
//! is still too large is refused rather than built.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use apollo_compiler::ast::Value;
use apollo_compiler::executable::{self, DirectiveList, ExecutableDocument};
use apollo_compiler::validation::Valid;
use apollo_compiler::{Name, Schema};
use serde_json::{Map, Value as Json};

use crate::operation::{Field, Operation, Selection, SelectionSet};

/// Why an operation could not be normalized.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NormalizeError {
    #[error(
        "the operation has more than {limit} fields once its fragments are expanded; simplify it"
    )]
    TooLarge { limit: usize },
    #[error("fragments are nested more than {limit} deep")]
    TooDeep { limit: usize },
}

/// Fragment cycles are rejected by validation; this bounds the recursion of long chains.
const MAX_FRAGMENT_DEPTH: usize = 256;

/// Normalizes `operation`, placing at most `max_selections` fields and fragments.
pub fn normalize(
    schema: &Valid<Schema>,
    document: &Valid<ExecutableDocument>,
    operation: &executable::Operation,
    variables: &Map<String, Json>,
    max_selections: usize,
) -> Result<Operation, NormalizeError> {
    let root_type = schema
        .root_operation(operation.operation_type)
        .cloned()
        .unwrap_or_else(|| operation.selection_set.ty.clone());
    let mut normalizer = Normalizer {
        document,
        variables,
        fragments: HashMap::new(),
        placed: 0,
        max_selections,
    };
    let selection = normalizer.selection_set(&operation.selection_set, 0)?;
    Ok(Operation {
        kind: operation.operation_type,
        root_type,
        variables: operation.variables.clone(),
        selection,
    })
}

/// A fragment's expansion, built once per operation.
struct Expanded {
    set: SelectionSet,
    size: usize,
}

struct Normalizer<'a> {
    document: &'a ExecutableDocument,
    variables: &'a Map<String, Json>,
    fragments: HashMap<Name, Arc<Expanded>>,
    /// Fields and fragments placed so far (copies of an expansion included).
    placed: usize,
    max_selections: usize,
}

impl Normalizer<'_> {
    fn charge(&mut self, n: usize) -> Result<(), NormalizeError> {
        self.placed = self.placed.saturating_add(n);
        if self.placed > self.max_selections {
            return Err(NormalizeError::TooLarge {
                limit: self.max_selections,
            });
        }
        Ok(())
    }

    fn selection_set(
        &mut self,
        set: &executable::SelectionSet,
        depth: usize,
    ) -> Result<SelectionSet, NormalizeError> {
        if depth > MAX_FRAGMENT_DEPTH {
            return Err(NormalizeError::TooDeep {
                limit: MAX_FRAGMENT_DEPTH,
            });
        }
        let mut out = Builder::new(set.ty.clone());
        for selection in &set.selections {
            match selection {
                executable::Selection::Field(field) => {
                    if !included(&field.directives, self.variables) {
                        continue;
                    }
                    self.charge(1)?;
                    let selection = if field.selection_set.selections.is_empty() {
                        None
                    } else {
                        Some(self.selection_set(&field.selection_set, depth + 1)?)
                    };
                    out.add(Selection::Field(Field {
                        alias: field.alias.clone(),
                        name: field.name.clone(),
                        arguments: field.arguments.clone(),
                        ty: field.definition.ty.clone(),
                        selection,
                    }));
                }
                executable::Selection::InlineFragment(fragment) => {
                    if !included(&fragment.directives, self.variables) {
                        continue;
                    }
                    let inner = self.selection_set(&fragment.selection_set, depth + 1)?;
                    out.add_fragment(fragment.type_condition.as_ref(), inner);
                }
                executable::Selection::FragmentSpread(spread) => {
                    if !included(&spread.directives, self.variables)
                        || !out.spread.insert(spread.fragment_name.clone())
                    {
                        // Merging is idempotent: a fragment already merged here adds nothing.
                        continue;
                    }
                    let Some(fragment) = self.document.fragments.get(&spread.fragment_name) else {
                        continue;
                    };
                    let expanded = self.fragment(fragment, depth)?;
                    self.charge(expanded.size)?;
                    out.add_fragment(Some(fragment.type_condition()), expanded.set.clone());
                }
            }
        }
        Ok(out.finish())
    }

    fn fragment(
        &mut self,
        fragment: &executable::Fragment,
        depth: usize,
    ) -> Result<Arc<Expanded>, NormalizeError> {
        if let Some(expanded) = self.fragments.get(&fragment.name) {
            return Ok(expanded.clone());
        }
        let set = self.selection_set(&fragment.selection_set, depth + 1)?;
        let expanded = Arc::new(Expanded {
            size: crate::pipeline::limits::fields(&set),
            set,
        });
        self.fragments
            .insert(fragment.name.clone(), expanded.clone());
        Ok(expanded)
    }
}

/// One selection set under construction: fields merge by response key, fragments by type
/// condition. Sub-selections stay builders until the end, so merging costs what is added,
/// not what is already there.
struct Builder {
    ty: Name,
    items: Vec<Pending>,
    fields: HashMap<Name, usize>,
    typed: HashMap<Name, usize>,
    /// Fragments already spread into this set.
    spread: HashSet<Name>,
}

enum Pending {
    Field(Field, Option<Builder>),
    Fragment(Name, Builder),
}

impl Builder {
    fn new(ty: Name) -> Self {
        Self {
            ty,
            items: Vec::new(),
            fields: HashMap::new(),
            typed: HashMap::new(),
            spread: HashSet::new(),
        }
    }

    fn from_set(set: SelectionSet) -> Self {
        let mut builder = Builder::new(set.ty);
        for item in set.items {
            builder.add(item);
        }
        builder
    }

    fn finish(self) -> SelectionSet {
        SelectionSet {
            ty: self.ty,
            items: self
                .items
                .into_iter()
                .map(|pending| match pending {
                    Pending::Field(mut field, sub) => {
                        field.selection = sub.map(Builder::finish);
                        Selection::Field(field)
                    }
                    Pending::Fragment(on, sub) => Selection::Fragment {
                        on,
                        selection: sub.finish(),
                    },
                })
                .collect(),
        }
    }

    /// A fragment on the enclosing type itself (or without a type) adds its selections
    /// directly; one on another type stays a type condition.
    fn add_fragment(&mut self, on: Option<&Name>, inner: SelectionSet) {
        match on {
            Some(on) if *on != self.ty => self.add(Selection::Fragment {
                on: on.clone(),
                selection: inner,
            }),
            _ => inner.items.into_iter().for_each(|item| self.add(item)),
        }
    }

    /// Validation guarantees that fields sharing a response key select the same field with
    /// the same arguments, so merging them is merging their sub-selections.
    fn add(&mut self, item: Selection) {
        match item {
            Selection::Field(mut field) => {
                let selection = field.selection.take();
                match self.fields.get(field.response_key()) {
                    Some(&at) => {
                        if let (Pending::Field(_, sub), Some(selection)) =
                            (&mut self.items[at], selection)
                        {
                            match sub {
                                Some(sub) => selection.items.into_iter().for_each(|i| sub.add(i)),
                                None => *sub = Some(Builder::from_set(selection)),
                            }
                        }
                    }
                    None => {
                        self.fields
                            .insert(field.response_key().clone(), self.items.len());
                        self.items
                            .push(Pending::Field(field, selection.map(Builder::from_set)));
                    }
                }
            }
            Selection::Fragment { on, selection } => match self.typed.get(&on) {
                Some(&at) => {
                    if let Pending::Fragment(_, sub) = &mut self.items[at] {
                        selection.items.into_iter().for_each(|i| sub.add(i));
                    }
                }
                None => {
                    self.typed.insert(on.clone(), self.items.len());
                    self.items
                        .push(Pending::Fragment(on, Builder::from_set(selection)));
                }
            },
        }
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
