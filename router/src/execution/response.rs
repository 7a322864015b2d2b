//! Shaping the client's response from the merged data tree: only the fields asked, under
//! their aliases, type conditions resolved from `__typename`, and GraphQL null propagation
//! (a null in a non-null position nulls the nearest nullable parent).

use std::borrow::Cow;

use apollo_compiler::ast::Type;
use apollo_compiler::schema::ExtendedType;
use indexmap::IndexMap;
use serde_json::{Map, Value, json};

use crate::operation::{Field, Operation, Selection, SelectionSet};
use crate::supergraph::Supergraph;

/// The response `data` for `operation`, or `Value::Null` when a non-null root field is null.
/// `introspection` holds already-resolved `__schema`/`__type` root fields.
pub fn shape(
    sg: &Supergraph,
    operation: &Operation,
    data: &Value,
    introspection: Option<&Map<String, Value>>,
    errors: &mut Vec<Value>,
) -> Value {
    let empty = Map::new();
    let object = data.as_object().unwrap_or(&empty);
    let mut shaper = Shaper {
        sg,
        errors,
        introspection,
    };
    match shaper.object(
        &operation.selection,
        object,
        &operation.root_type,
        &mut Vec::new(),
        true,
    ) {
        Some(map) => Value::Object(map),
        None => Value::Null,
    }
}

struct Shaper<'a> {
    sg: &'a Supergraph,
    errors: &'a mut Vec<Value>,
    introspection: Option<&'a Map<String, Value>>,
}

impl Shaper<'_> {
    fn object(
        &mut self,
        set: &SelectionSet,
        object: &Map<String, Value>,
        typename: &str,
        path: &mut Vec<Value>,
        root: bool,
    ) -> Option<Map<String, Value>> {
        let mut fields: IndexMap<&str, Vec<&Field>> = IndexMap::new();
        self.collect(set, typename, &mut fields);
        let mut out = Map::new();
        for (key, group) in fields {
            let field = group[0];
            if field.is_typename() {
                out.insert(key.to_owned(), Value::String(typename.to_owned()));
                continue;
            }
            if root && (field.name == "__schema" || field.name == "__type") {
                let value = self
                    .introspection
                    .and_then(|i| i.get(key))
                    .cloned()
                    .unwrap_or(Value::Null);
                out.insert(key.to_owned(), value);
                continue;
            }
            path.push(Value::String(key.to_owned()));
            let sub = merged_selection(&group);
            let value = object.get(key).unwrap_or(&Value::Null);
            let completed = self.value(&field.ty, sub.as_deref(), value, path);
            path.pop();
            match completed {
                Some(v) => {
                    out.insert(key.to_owned(), v);
                }
                None if field.ty.is_non_null() => return None,
                None => {
                    out.insert(key.to_owned(), Value::Null);
                }
            }
        }
        Some(out)
    }

    /// A completed value, or `None` for null (propagated by the caller when non-null).
    fn value(
        &mut self,
        ty: &Type,
        set: Option<&SelectionSet>,
        value: &Value,
        path: &mut Vec<Value>,
    ) -> Option<Value> {
        if value.is_null() {
            if ty.is_non_null() && !self.errors.iter().any(|e| error_at_or_below(e, path)) {
                self.errors.push(json!({
                    "message": "cannot return null for a non-null field",
                    "path": path.clone(),
                }));
            }
            return None;
        }
        match ty {
            Type::List(inner) | Type::NonNullList(inner) => {
                let Value::Array(items) = value else {
                    return None;
                };
                let mut out = Vec::with_capacity(items.len());
                for (i, item) in items.iter().enumerate() {
                    path.push(Value::from(i));
                    let completed = self.value(inner, set, item, path);
                    path.pop();
                    match completed {
                        Some(v) => out.push(v),
                        None if inner.is_non_null() => return None,
                        None => out.push(Value::Null),
                    }
                }
                Some(Value::Array(out))
            }
            Type::Named(name) | Type::NonNullNamed(name) => match (set, value) {
                (Some(set), Value::Object(object)) => {
                    let typename = match object.get("__typename").and_then(Value::as_str) {
                        // A runtime type clients cannot see (`@inaccessible`) is null to them.
                        Some(t) if !self.sg.api.types.contains_key(t) => return None,
                        Some(t) => t.to_owned(),
                        None => name.to_string(),
                    };
                    self.object(set, object, &typename, path, false)
                        .map(Value::Object)
                }
                (Some(_), _) => None,
                (None, v) => Some(self.leaf(name, v)),
            },
        }
    }

    /// Enum values the API schema hides come back as null.
    fn leaf(&self, ty: &str, value: &Value) -> Value {
        match (self.sg.api.types.get(ty), value) {
            (Some(ExtendedType::Enum(e)), Value::String(s))
                if !e.values.contains_key(s.as_str()) =>
            {
                Value::Null
            }
            _ => value.clone(),
        }
    }

    fn collect<'s>(
        &self,
        set: &'s SelectionSet,
        typename: &str,
        out: &mut IndexMap<&'s str, Vec<&'s Field>>,
    ) {
        for item in &set.items {
            match item {
                Selection::Field(f) => out.entry(f.response_key().as_str()).or_default().push(f),
                Selection::Fragment { on, selection } => {
                    if on == typename || self.sg.api.is_subtype(on, typename) {
                        self.collect(selection, typename, out);
                    }
                }
            }
        }
    }
}

/// The sub-selection of fields sharing a response key: borrowed when there is one (the usual
/// case, on the hot path for every object), merged only when several fields share the key.
fn merged_selection<'s>(fields: &[&'s Field]) -> Option<Cow<'s, SelectionSet>> {
    let mut sets = fields.iter().filter_map(|f| f.selection.as_ref());
    let first = sets.next()?;
    let rest: Vec<&SelectionSet> = sets.collect();
    if rest.is_empty() {
        return Some(Cow::Borrowed(first));
    }
    let mut merged = first.clone();
    for s in rest {
        merged.items.extend(s.items.iter().cloned());
    }
    Some(Cow::Owned(merged))
}

/// Whether `error` already explains a null at `path`: it sits on the path, above or below it.
fn error_at_or_below(error: &Value, path: &[Value]) -> bool {
    error
        .get("path")
        .and_then(Value::as_array)
        .is_some_and(|p| {
            let shared = p.len().min(path.len());
            p[..shared] == path[..shared]
        })
}
