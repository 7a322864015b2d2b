//! Demand control: what an operation will cost the subgraphs, estimated before anything runs
//! and measured on the response.
//!
//! Weights follow the Federation `@cost` / `@listSize` directives of the supergraph and, where
//! they are silent, the defaults: an object (or interface, union) costs 1, a scalar or enum 0,
//! a mutation 10 more. A field returning a list multiplies its cost by the list's size: the
//! value of a slicing argument (`first`) when `@listSize` names one, its `assumedSize`, or the
//! configured size for lists nothing bounds. A connection's `sizedFields` (`edges`, `nodes`)
//! take the size from their parent's slicing argument.

use std::collections::HashMap;

use apollo_compiler::ast::{Directive, OperationType, Value as Ast};
use apollo_compiler::schema::{ExtendedType, FieldDefinition};
use apollo_compiler::validation::Valid;
use apollo_compiler::{Name, Node, Schema};
use serde_json::{Map, Value};

use crate::operation::{Field, Operation, Selection, SelectionSet};

/// What happens to an operation whose estimate is over the maximum.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CostMode {
    /// Not computed.
    Off,
    /// Computed and reported, never refused.
    Measure,
    /// Refused with `COST_ESTIMATED_TOO_EXPENSIVE` before any subgraph is called.
    Enforce,
}

#[derive(Debug, Clone, Copy)]
pub struct CostLimits {
    pub mode: CostMode,
    pub max: u64,
    /// The size assumed for a list that neither an argument nor `@listSize` bounds.
    pub list_size: u64,
}

/// The default maximum lets a four-level category tree (10 × 10 × 10 × 10 assumed items) or
/// a hundred orders with their lines and payments through, and refuses a hundred products
/// each with a hundred products each with a hundred more by two orders of magnitude.
impl Default for CostLimits {
    fn default() -> Self {
        Self {
            mode: CostMode::Enforce,
            max: 25_000,
            list_size: 10,
        }
    }
}

const MUTATION_COST: f64 = 10.0;
const COMPOSITE_COST: f64 = 1.0;

/// `@listSize` on one field.
#[derive(Debug, Clone, Default)]
struct ListSize {
    assumed: Option<u64>,
    slicing: Vec<Name>,
    sized_fields: Vec<Name>,
}

/// The supergraph's cost directives, read once.
#[derive(Debug, Default)]
pub struct CostModel {
    types: HashMap<Name, f64>,
    fields: HashMap<(Name, Name), f64>,
    arguments: HashMap<(Name, Name, Name), f64>,
    list_sizes: HashMap<(Name, Name), ListSize>,
}

fn is(name: &str, directive: &str) -> bool {
    name == directive || name.strip_prefix("federation__") == Some(directive)
}

fn int(value: &Ast) -> Option<u64> {
    match value {
        Ast::Int(i) => i.try_to_i32().ok().and_then(|i| u64::try_from(i).ok()),
        _ => None,
    }
}

fn weight<'d>(mut directives: impl Iterator<Item = &'d Directive>) -> Option<f64> {
    directives
        .find(|d| is(&d.name, "cost"))
        .and_then(|d| d.specified_argument_by_name("weight"))
        .and_then(|v| match v.as_ref() {
            Ast::Int(i) => i.try_to_i32().ok().map(f64::from),
            Ast::Float(f) => f.try_to_f64().ok(),
            Ast::String(s) => s.parse().ok(),
            _ => None,
        })
}

fn names(value: Option<&Node<Ast>>) -> Vec<Name> {
    match value.map(|v| v.as_ref()) {
        Some(Ast::List(items)) => items
            .iter()
            .filter_map(|i| i.as_str().and_then(|s| Name::new(s).ok()))
            .collect(),
        _ => Vec::new(),
    }
}

impl CostModel {
    pub fn from_schema(schema: &Schema) -> Self {
        let mut model = CostModel::default();
        for (type_name, ty) in &schema.types {
            if let Some(w) = weight(ty.directives().iter().map(|d| &***d)) {
                model.types.insert(type_name.clone(), w);
            }
            let fields: Vec<&Node<FieldDefinition>> = match ty {
                ExtendedType::Object(o) => o.fields.values().map(|f| &f.node).collect(),
                ExtendedType::Interface(i) => i.fields.values().map(|f| &f.node).collect(),
                _ => continue,
            };
            for field in fields {
                model.read_field(type_name, field);
            }
        }
        model
    }

    fn read_field(&mut self, ty: &Name, field: &FieldDefinition) {
        let key = (ty.clone(), field.name.clone());
        if let Some(w) = weight(field.directives.iter().map(|d| &**d)) {
            self.fields.insert(key.clone(), w);
        }
        for argument in &field.arguments {
            if let Some(w) = weight(argument.directives.iter().map(|d| &**d)) {
                self.arguments
                    .insert((ty.clone(), field.name.clone(), argument.name.clone()), w);
            }
        }
        if let Some(d) = field.directives.iter().find(|d| is(&d.name, "listSize")) {
            self.list_sizes.insert(
                key,
                ListSize {
                    assumed: d
                        .specified_argument_by_name("assumedSize")
                        .and_then(|v| int(v)),
                    slicing: names(d.specified_argument_by_name("slicingArguments")),
                    sized_fields: names(d.specified_argument_by_name("sizedFields")),
                },
            );
        }
    }

    /// A field's own weight: its `@cost`, its type's `@cost`, or the default for its kind.
    fn field_weight(&self, schema: &Schema, parent: &Name, field: &Field) -> f64 {
        if let Some(w) = self.fields.get(&(parent.clone(), field.name.clone())) {
            return *w;
        }
        let named = field.ty.inner_named_type();
        if let Some(w) = self.types.get(named) {
            return *w;
        }
        match schema.types.get(named) {
            Some(ExtendedType::Object(_) | ExtendedType::Interface(_) | ExtendedType::Union(_)) => {
                COMPOSITE_COST
            }
            _ => 0.0,
        }
    }
}

/// Estimates and measures operations against one schema and model.
pub struct Coster<'a> {
    pub schema: &'a Valid<Schema>,
    pub model: &'a CostModel,
    pub limits: &'a CostLimits,
    pub variables: &'a Map<String, Value>,
}

impl Coster<'_> {
    /// The estimated cost, before execution.
    pub fn estimate(&self, operation: &Operation) -> f64 {
        let base = if operation.kind == OperationType::Mutation {
            MUTATION_COST
        } else {
            0.0
        };
        base + self.set_estimate(&operation.selection, None)
    }

    /// `sized`: the fields of this set that take `size` from the parent's `@listSize`.
    fn set_estimate(&self, set: &SelectionSet, sized: Option<(&[Name], u64)>) -> f64 {
        set.items
            .iter()
            .map(|item| match item {
                Selection::Field(field) => self.field_estimate(&set.ty, field, sized),
                Selection::Fragment { selection, .. } => self.set_estimate(selection, sized),
            })
            .sum()
    }

    fn field_estimate(&self, parent: &Name, field: &Field, sized: Option<(&[Name], u64)>) -> f64 {
        if field.name.starts_with("__") {
            return 0.0;
        }
        let list_size = self
            .model
            .list_sizes
            .get(&(parent.clone(), field.name.clone()));
        let size = list_size.map(|l| self.size_of(parent, field, l));
        let children = field.selection.as_ref().map_or(0.0, |selection| {
            let sized = list_size
                .filter(|l| !l.sized_fields.is_empty())
                .zip(size)
                .map(|(l, s)| (l.sized_fields.as_slice(), s));
            self.set_estimate(selection, sized)
        });
        let own = self.model.field_weight(self.schema, parent, field) + children;
        let from_parent = sized
            .filter(|(fields, _)| fields.contains(&field.name))
            .map(|(_, size)| size);
        let instances = if !field.ty.is_list() {
            1
        } else if let Some(size) = from_parent {
            size
        } else if list_size.is_some_and(|l| l.sized_fields.is_empty()) {
            size.unwrap_or(self.limits.list_size)
        } else {
            self.limits.list_size
        };
        own * instances as f64 + self.arguments_cost(parent, field)
    }

    /// The size a `@listSize` field promises: the largest slicing argument given (or its
    /// default), else the assumed size, else the configured one.
    fn size_of(&self, parent: &Name, field: &Field, list_size: &ListSize) -> u64 {
        let definition = self.schema.type_field(parent, &field.name).ok();
        let sliced = list_size
            .slicing
            .iter()
            .filter_map(|name| {
                let given = field
                    .arguments
                    .iter()
                    .find(|a| a.name == *name)
                    .map(|a| a.value.clone());
                let default = || {
                    definition?
                        .arguments
                        .iter()
                        .find(|a| a.name == *name)?
                        .default_value
                        .clone()
                };
                let value = given.or_else(default)?;
                self.number(&value)
            })
            .max();
        sliced
            .or(list_size.assumed)
            .unwrap_or(self.limits.list_size)
    }

    fn number(&self, value: &Ast) -> Option<u64> {
        match value {
            Ast::Variable(name) => self
                .variables
                .get(name.as_str())
                .and_then(Value::as_i64)
                .map(|n| n.max(0) as u64),
            other => other.to_i32().map(|n| u64::try_from(n.max(0)).unwrap_or(0)),
        }
    }

    fn arguments_cost(&self, parent: &Name, field: &Field) -> f64 {
        field
            .arguments
            .iter()
            .filter_map(|a| {
                self.model
                    .arguments
                    .get(&(parent.clone(), field.name.clone(), a.name.clone()))
            })
            .sum()
    }

    /// The cost of what was actually returned: weights counted per object in `data`.
    pub fn actual(&self, operation: &Operation, data: &Value) -> f64 {
        let base = if operation.kind == OperationType::Mutation {
            MUTATION_COST
        } else {
            0.0
        };
        base + data
            .as_object()
            .map_or(0.0, |object| self.set_actual(&operation.selection, object))
    }

    fn set_actual(&self, set: &SelectionSet, object: &Map<String, Value>) -> f64 {
        set.items
            .iter()
            .map(|item| match item {
                Selection::Field(field) if field.name.starts_with("__") => 0.0,
                Selection::Field(field) => object
                    .get(field.response_key().as_str())
                    .map_or(0.0, |value| self.value_actual(&set.ty, field, value)),
                Selection::Fragment { selection, .. } => self.set_actual(selection, object),
            })
            .sum()
    }

    fn value_actual(&self, parent: &Name, field: &Field, value: &Value) -> f64 {
        match value {
            Value::Null => 0.0,
            Value::Array(items) => items
                .iter()
                .map(|item| self.value_actual(parent, field, item))
                .sum(),
            Value::Object(object) => {
                self.model.field_weight(self.schema, parent, field)
                    + field
                        .selection
                        .as_ref()
                        .map_or(0.0, |selection| self.set_actual(selection, object))
            }
            _ => self.model.field_weight(self.schema, parent, field),
        }
    }
}
