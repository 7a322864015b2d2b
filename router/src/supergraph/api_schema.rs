//! The API schema: the supergraph as clients see it. Federation machinery (`join__*`,
//! `link__*`, `@link`, `@inaccessible`, auth directives) is removed, and every element marked
//! `@inaccessible` disappears along with references to it.

use std::collections::HashSet;

use apollo_compiler::ast;
use apollo_compiler::schema::{ComponentName, DirectiveList, ExtendedType};
use apollo_compiler::validation::Valid;
use apollo_compiler::{Name, Schema};

use super::LoadError;

/// Directive definitions that belong to composition, not to clients.
fn is_federation_directive(name: &str) -> bool {
    name.starts_with("join__")
        || name.starts_with("link__")
        || matches!(
            name,
            "link"
                | "core"
                | "inaccessible"
                | "tag"
                | "authenticated"
                | "requiresScopes"
                | "policy"
                | "cost"
                | "listSize"
        )
}

fn inaccessible(directives: &ast::DirectiveList) -> bool {
    directives.has("inaccessible")
}

/// Removes federation directives from a field, argument or value.
fn strip(directives: &mut ast::DirectiveList) {
    directives.retain(|d| !is_federation_directive(&d.name));
}

/// Removes federation directives from a type.
fn strip_component(directives: &mut DirectiveList) {
    directives.retain(|d| !is_federation_directive(&d.name));
}

pub(super) fn derive(supergraph: &Valid<Schema>) -> Result<Valid<Schema>, LoadError> {
    let mut api: Schema = supergraph.clone().into_inner();
    api.directive_definitions
        .retain(|name, _| !is_federation_directive(name));
    api.schema_definition
        .make_mut()
        .directives
        .retain(|d| !is_federation_directive(&d.name));

    let hidden_types: HashSet<Name> = api
        .types
        .iter()
        .filter(|(name, ty)| {
            ["join__", "link__", "requiresScopes__", "policy__"]
                .iter()
                .any(|prefix| name.starts_with(prefix))
                || inaccessible_ext(ty)
        })
        .map(|(name, _)| name.clone())
        .collect();
    api.types.retain(|name, _| !hidden_types.contains(name));

    for ty in api.types.values_mut() {
        match ty {
            ExtendedType::Object(o) => {
                let o = o.make_mut();
                strip_component(&mut o.directives);
                o.implements_interfaces
                    .retain(|i| !hidden_types.contains(&i.name));
                o.fields.retain(|_, f| {
                    !inaccessible(&f.directives) && !hidden_types.contains(f.ty.inner_named_type())
                });
                for field in o.fields.values_mut() {
                    let field = field.make_mut();
                    strip(&mut field.directives);
                    field.arguments.retain(|a| !inaccessible(&a.directives));
                    for arg in &mut field.arguments {
                        strip(&mut arg.make_mut().directives);
                    }
                }
            }
            ExtendedType::Interface(i) => {
                let i = i.make_mut();
                strip_component(&mut i.directives);
                i.implements_interfaces
                    .retain(|n| !hidden_types.contains(&n.name));
                i.fields.retain(|_, f| {
                    !inaccessible(&f.directives) && !hidden_types.contains(f.ty.inner_named_type())
                });
                for field in i.fields.values_mut() {
                    let field = field.make_mut();
                    strip(&mut field.directives);
                    field.arguments.retain(|a| !inaccessible(&a.directives));
                    for arg in &mut field.arguments {
                        strip(&mut arg.make_mut().directives);
                    }
                }
            }
            ExtendedType::Union(u) => {
                let u = u.make_mut();
                strip_component(&mut u.directives);
                u.members
                    .retain(|m: &ComponentName| !hidden_types.contains(&m.name));
            }
            ExtendedType::Enum(e) => {
                let e = e.make_mut();
                strip_component(&mut e.directives);
                e.values.retain(|_, v| !inaccessible(&v.directives));
                for value in e.values.values_mut() {
                    strip(&mut value.make_mut().directives);
                }
            }
            ExtendedType::InputObject(input) => {
                let input = input.make_mut();
                strip_component(&mut input.directives);
                input.fields.retain(|_, f| !inaccessible(&f.directives));
                for field in input.fields.values_mut() {
                    strip(&mut field.make_mut().directives);
                }
            }
            ExtendedType::Scalar(s) => strip_component(&mut s.make_mut().directives),
        }
    }
    api.validate()
        .map_err(|e| LoadError::ApiSchema(e.errors.to_string()))
}

fn inaccessible_ext(ty: &ExtendedType) -> bool {
    ty.directives().has("inaccessible")
}
