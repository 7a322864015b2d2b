//! `@authenticated`, `@requiresScopes` and `@policy` on the supergraph's fields and types.
//! Fields the caller may not see are removed before planning and reported as errors at
//! their paths; the rest of the operation still runs.

use std::collections::BTreeSet;

use apollo_compiler::ast::Value;
use apollo_compiler::schema::ExtendedType;
use serde_json::{Value as Json, json};

use crate::operation::{Selection, SelectionSet};
use crate::supergraph::Supergraph;

/// Who is calling, as the router's authenticator established it.
#[derive(Debug, Clone, Default)]
pub struct Identity {
    pub authenticated: bool,
    pub scopes: BTreeSet<String>,
    /// Policies the caller satisfies (`@policy`).
    pub policies: BTreeSet<String>,
}

/// Removes what `identity` may not see; returns the errors for the removed fields.
pub fn authorize(
    supergraph: &Supergraph,
    set: &mut SelectionSet,
    identity: &Identity,
) -> Vec<Json> {
    let mut errors = Vec::new();
    filter(supergraph, set, identity, &mut Vec::new(), &mut errors);
    errors
}

fn filter(
    sg: &Supergraph,
    set: &mut SelectionSet,
    identity: &Identity,
    path: &mut Vec<Json>,
    errors: &mut Vec<Json>,
) {
    let parent = set.ty.clone();
    set.items.retain_mut(|item| match item {
        Selection::Field(field) => {
            let key = field.response_key().to_string();
            if let Some(denied) = denied(
                sg,
                &parent,
                &field.name,
                field.ty.inner_named_type(),
                identity,
            ) {
                let mut at = path.clone();
                at.push(Json::String(key));
                errors.push(json!({
                    "message": denied.message(),
                    "path": at,
                    "extensions": { "code": denied.code() },
                }));
                return false;
            }
            if let Some(sub) = &mut field.selection {
                path.push(Json::String(key));
                filter(sg, sub, identity, path, errors);
                path.pop();
            }
            true
        }
        Selection::Fragment { selection, .. } => {
            filter(sg, selection, identity, path, errors);
            true
        }
    });
}

enum Denied {
    Unauthenticated,
    Forbidden,
}

impl Denied {
    fn code(&self) -> &'static str {
        match self {
            Denied::Unauthenticated => "UNAUTHENTICATED",
            Denied::Forbidden => "FORBIDDEN",
        }
    }

    fn message(&self) -> &'static str {
        match self {
            Denied::Unauthenticated => "sign in to see this field",
            Denied::Forbidden => "you are not allowed to see this field",
        }
    }
}

fn denied(
    sg: &Supergraph,
    parent: &str,
    field: &str,
    returns: &str,
    identity: &Identity,
) -> Option<Denied> {
    let field_directives = match sg.schema.types.get(parent) {
        Some(ExtendedType::Object(o)) => o.fields.get(field).map(|f| f.directives.clone()),
        Some(ExtendedType::Interface(i)) => i.fields.get(field).map(|f| f.directives.clone()),
        _ => None,
    }?;
    let type_directives = sg.schema.types.get(returns).map(|t| t.directives().clone());
    let mut checks: Vec<(&str, Option<&Value>)> = Vec::new();
    for d in field_directives.iter() {
        checks.push((d.name.as_str(), first_arg(d)));
    }
    if let Some(type_directives) = &type_directives {
        for d in type_directives.iter() {
            checks.push((d.name.as_str(), first_arg(d)));
        }
    }
    for (name, arg) in checks {
        match name {
            "authenticated" if !identity.authenticated => return Some(Denied::Unauthenticated),
            "requiresScopes" | "policy" => {
                let granted = if name == "requiresScopes" {
                    &identity.scopes
                } else {
                    &identity.policies
                };
                if !any_group_satisfied(arg, granted) {
                    return Some(if identity.authenticated {
                        Denied::Forbidden
                    } else {
                        Denied::Unauthenticated
                    });
                }
            }
            _ => {}
        }
    }
    None
}

fn first_arg(d: &apollo_compiler::ast::Directive) -> Option<&Value> {
    d.arguments.first().map(|a| a.value.as_ref())
}

/// `[[a, b], [c]]` is satisfied by holding a and b, or c.
fn any_group_satisfied(arg: Option<&Value>, granted: &BTreeSet<String>) -> bool {
    let Some(Value::List(groups)) = arg else {
        return true;
    };
    groups.iter().any(|group| match group.as_ref() {
        Value::List(items) => items.iter().all(|i| match i.as_ref() {
            Value::String(s) => granted.contains(s.as_str()),
            _ => false,
        }),
        _ => false,
    })
}
