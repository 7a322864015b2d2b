//! Selections sent to one subgraph, built up by the planner and printed as GraphQL.

use std::collections::BTreeSet;
use std::fmt::Write as _;

use apollo_compiler::ast::{Argument, Value};
use apollo_compiler::{Name, Node};

#[derive(Debug, Clone, PartialEq)]
pub enum Sel {
    Field {
        alias: Option<Name>,
        name: Name,
        arguments: Vec<Node<Argument>>,
        /// Empty for leaf fields.
        selections: Vec<Sel>,
    },
    Fragment {
        on: Name,
        selections: Vec<Sel>,
    },
}

impl Sel {
    pub fn typename() -> Sel {
        Sel::Field {
            alias: None,
            name: Name::new_unchecked("__typename"),
            arguments: Vec::new(),
            selections: Vec::new(),
        }
    }

    fn response_key(&self) -> Option<&Name> {
        match self {
            Sel::Field { alias, name, .. } => Some(alias.as_ref().unwrap_or(name)),
            Sel::Fragment { .. } => None,
        }
    }
}

/// Adds `new` into `into`, merging fields with the same response key and fragments with the
/// same type condition.
pub fn merge(into: &mut Vec<Sel>, new: Vec<Sel>) {
    for sel in new {
        match sel {
            Sel::Field {
                alias,
                name,
                arguments,
                selections,
            } => {
                let key = alias.as_ref().unwrap_or(&name).clone();
                let existing = into.iter_mut().find(|s| {
                    matches!(s, Sel::Field { name: n, arguments: a, .. } if s.response_key() == Some(&key) && *n == name && *a == arguments)
                });
                match existing {
                    Some(Sel::Field {
                        selections: existing,
                        ..
                    }) => merge(existing, selections),
                    _ => into.push(Sel::Field {
                        alias,
                        name,
                        arguments,
                        selections,
                    }),
                }
            }
            Sel::Fragment { on, selections } => {
                let existing = into
                    .iter_mut()
                    .find(|s| matches!(s, Sel::Fragment { on: o, .. } if *o == on));
                match existing {
                    Some(Sel::Fragment {
                        selections: existing,
                        ..
                    }) => merge(existing, selections),
                    _ => into.push(Sel::Fragment { on, selections }),
                }
            }
        }
    }
}

/// Prints selections as GraphQL (`{ a b { c } ... on T { d } }`).
pub fn print(selections: &[Sel]) -> String {
    let mut out = String::new();
    print_into(&mut out, selections);
    out
}

fn print_into(out: &mut String, selections: &[Sel]) {
    out.push('{');
    for (i, sel) in selections.iter().enumerate() {
        if i > 0 {
            out.push(' ');
        }
        match sel {
            Sel::Field {
                alias,
                name,
                arguments,
                selections,
            } => {
                if let Some(alias) = alias {
                    let _ = write!(out, "{alias}: ");
                }
                out.push_str(name);
                if !arguments.is_empty() {
                    out.push('(');
                    for (j, arg) in arguments.iter().enumerate() {
                        if j > 0 {
                            out.push_str(", ");
                        }
                        let _ = write!(out, "{}: {}", arg.name, arg.value);
                    }
                    out.push(')');
                }
                if !selections.is_empty() {
                    out.push(' ');
                    print_into(out, selections);
                }
            }
            Sel::Fragment { on, selections } => {
                let _ = write!(out, "... on {on} ");
                print_into(out, selections);
            }
        }
    }
    out.push('}');
}

/// Names of the variables the selections use.
pub fn variables_used(selections: &[Sel], found: &mut BTreeSet<Name>) {
    for sel in selections {
        match sel {
            Sel::Field {
                arguments,
                selections,
                ..
            } => {
                for arg in arguments {
                    value_variables(&arg.value, found);
                }
                variables_used(selections, found);
            }
            Sel::Fragment { selections, .. } => variables_used(selections, found),
        }
    }
}

fn value_variables(value: &Value, found: &mut BTreeSet<Name>) {
    match value {
        Value::Variable(name) => {
            found.insert(name.clone());
        }
        Value::List(items) => items.iter().for_each(|v| value_variables(v, found)),
        Value::Object(fields) => fields.iter().for_each(|(_, v)| value_variables(v, found)),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field(name: &str, selections: Vec<Sel>) -> Sel {
        Sel::Field {
            alias: None,
            name: Name::new_unchecked(name),
            arguments: Vec::new(),
            selections,
        }
    }

    #[test]
    fn merging_combines_same_fields_and_fragments() {
        let mut set = vec![field("a", vec![field("x", vec![])])];
        merge(
            &mut set,
            vec![field("a", vec![field("y", vec![])]), field("b", vec![])],
        );
        merge(
            &mut set,
            vec![Sel::Fragment {
                on: Name::new_unchecked("T"),
                selections: vec![field("c", vec![])],
            }],
        );
        merge(
            &mut set,
            vec![Sel::Fragment {
                on: Name::new_unchecked("T"),
                selections: vec![field("d", vec![])],
            }],
        );
        assert_eq!(print(&set), "{a {x y} b ... on T {c d}}");
    }
}
