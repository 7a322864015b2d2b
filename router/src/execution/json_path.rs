//! Addresses of objects inside the response tree.

use serde_json::Value;

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Step {
    Key(String),
    Index(usize),
}

pub type JsonPath = Vec<Step>;

pub fn get_mut<'a>(root: &'a mut Value, path: &[Step]) -> Option<&'a mut Value> {
    let mut current = root;
    for step in path {
        current = match step {
            Step::Key(k) => current.as_object_mut()?.get_mut(k)?,
            Step::Index(i) => current.as_array_mut()?.get_mut(*i)?,
        };
    }
    Some(current)
}

pub fn to_json(path: &[Step]) -> Vec<Value> {
    path.iter()
        .map(|s| match s {
            Step::Key(k) => Value::String(k.clone()),
            Step::Index(i) => Value::from(*i),
        })
        .collect()
}

/// Deep-merges `from` into `into`: objects field by field, equal-length lists item by item.
pub fn merge(into: &mut Value, from: Value) {
    match (into, from) {
        (Value::Object(into), Value::Object(from)) => {
            for (k, v) in from {
                match into.get_mut(&k) {
                    Some(existing) if !existing.is_null() => merge(existing, v),
                    _ => {
                        into.insert(k, v);
                    }
                }
            }
        }
        (Value::Array(into), Value::Array(from)) if into.len() == from.len() => {
            for (a, b) in into.iter_mut().zip(from) {
                merge(a, b);
            }
        }
        (into, from) => {
            if !from.is_null() || into.is_null() {
                *into = from;
            }
        }
    }
}
