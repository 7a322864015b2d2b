//! One subgraph's SDL read for composition: its types, with federation directives resolved
//! through the subgraph's `@link` imports (or Federation 1 names when it has none).

use std::collections::HashMap;

use apollo_compiler::ast::{self, Definition, Directive, DirectiveList, Value};
use apollo_compiler::{Name, Node};
use indexmap::IndexMap;

use super::CompositionError;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Object,
    Interface,
    Union,
    Enum,
    Input,
    Scalar,
}

#[derive(Debug, Clone)]
pub struct SArg {
    pub name: Name,
    pub ty: ast::Type,
    pub default: Option<Node<Value>>,
    pub directives: Vec<Node<Directive>>,
}

#[derive(Debug, Clone, Default)]
pub struct SField {
    pub ty: Option<ast::Type>,
    pub args: Vec<SArg>,
    pub external: bool,
    pub requires: Option<String>,
    pub provides: Option<String>,
    pub override_from: Option<String>,
    pub shareable: bool,
    pub inaccessible: bool,
    pub description: Option<String>,
    pub default: Option<Node<Value>>,
    /// Directives the supergraph keeps as they are (`@deprecated`, auth, composed ones).
    pub kept: Vec<Node<Directive>>,
}

#[derive(Debug, Clone)]
pub struct SType {
    pub kind: Kind,
    pub extension: bool,
    /// Marked `@extends` (as opposed to written `extend type`).
    pub extends_directive: bool,
    pub keys: Vec<(String, bool)>,
    pub shareable: bool,
    pub interface_object: bool,
    pub inaccessible: bool,
    pub implements: Vec<Name>,
    pub fields: IndexMap<Name, SField>,
    pub members: Vec<Name>,
    pub values: IndexMap<Name, SField>,
    pub description: Option<String>,
    pub kept: Vec<Node<Directive>>,
}

impl SType {
    fn new(kind: Kind) -> Self {
        Self {
            kind,
            extension: true,
            extends_directive: false,
            keys: Vec::new(),
            shareable: false,
            interface_object: false,
            inaccessible: false,
            implements: Vec::new(),
            fields: IndexMap::new(),
            members: Vec::new(),
            values: IndexMap::new(),
            description: None,
            kept: Vec::new(),
        }
    }
}

pub struct ParsedSubgraph {
    pub name: String,
    pub url: String,
    pub fed2: bool,
    pub types: IndexMap<Name, SType>,
    /// Root operation type names as the subgraph names them → standard names.
    pub roots: HashMap<Name, Name>,
    /// Custom directive definitions this subgraph asks to compose (`@composeDirective`).
    pub composed: Vec<Node<ast::DirectiveDefinition>>,
}

/// How this subgraph spells the federation directives.
struct FedNames {
    fed2: bool,
    local: HashMap<String, String>,
}

impl FedNames {
    fn is(&self, directive: &str, federation_name: &str) -> bool {
        if !self.fed2 {
            return directive == federation_name;
        }
        match self.local.get(federation_name) {
            Some(local) => directive == local,
            None => directive == format!("federation__{federation_name}"),
        }
    }
}

const BUILT_IN_SCALARS: [&str; 5] = ["String", "Int", "Float", "Boolean", "ID"];

pub fn parse(name: &str, url: &str, sdl: &str) -> Result<ParsedSubgraph, CompositionError> {
    let document =
        ast::Document::parse(sdl, format!("{name}.graphql")).map_err(|e| CompositionError {
            code: "INVALID_GRAPHQL",
            message: format!("subgraph `{name}` is not valid GraphQL: {}", e.errors),
        })?;
    let fed = fed_names(&document);
    let mut subgraph = ParsedSubgraph {
        name: name.to_owned(),
        url: url.to_owned(),
        fed2: fed.fed2,
        types: IndexMap::new(),
        roots: HashMap::new(),
        composed: Vec::new(),
    };
    let mut compose_names: Vec<String> = Vec::new();
    let mut directive_definitions = Vec::new();
    for definition in &document.definitions {
        match definition {
            Definition::SchemaDefinition(s) => {
                for op in &s.root_operations {
                    subgraph.roots.insert(op.1.clone(), standard_root(op.0));
                }
                collect_compose(&s.directives, &fed, &mut compose_names);
            }
            Definition::SchemaExtension(s) => {
                for op in &s.root_operations {
                    subgraph.roots.insert(op.1.clone(), standard_root(op.0));
                }
                collect_compose(&s.directives, &fed, &mut compose_names);
            }
            Definition::DirectiveDefinition(d) => directive_definitions.push(d.clone()),
            _ => {}
        }
    }
    for definition in &document.definitions {
        let (name, kind, extension, directives) = match definition {
            Definition::ObjectTypeDefinition(d) => (&d.name, Kind::Object, false, &d.directives),
            Definition::ObjectTypeExtension(d) => (&d.name, Kind::Object, true, &d.directives),
            Definition::InterfaceTypeDefinition(d) => {
                (&d.name, Kind::Interface, false, &d.directives)
            }
            Definition::InterfaceTypeExtension(d) => {
                (&d.name, Kind::Interface, true, &d.directives)
            }
            Definition::UnionTypeDefinition(d) => (&d.name, Kind::Union, false, &d.directives),
            Definition::UnionTypeExtension(d) => (&d.name, Kind::Union, true, &d.directives),
            Definition::EnumTypeDefinition(d) => (&d.name, Kind::Enum, false, &d.directives),
            Definition::EnumTypeExtension(d) => (&d.name, Kind::Enum, true, &d.directives),
            Definition::InputObjectTypeDefinition(d) => {
                (&d.name, Kind::Input, false, &d.directives)
            }
            Definition::InputObjectTypeExtension(d) => (&d.name, Kind::Input, true, &d.directives),
            Definition::ScalarTypeDefinition(d) => (&d.name, Kind::Scalar, false, &d.directives),
            Definition::ScalarTypeExtension(d) => (&d.name, Kind::Scalar, true, &d.directives),
            _ => continue,
        };
        if is_federation_type(name)
            || (kind == Kind::Scalar && BUILT_IN_SCALARS.contains(&name.as_str()))
        {
            continue;
        }
        let name = subgraph
            .roots
            .get(name)
            .cloned()
            .unwrap_or_else(|| name.clone());
        let ty = subgraph
            .types
            .entry(name.clone())
            .or_insert_with(|| SType::new(kind));
        if !extension {
            ty.extension = false;
        }
        read_type_directives(ty, directives, &fed, &compose_names);
        let external_all = directives.iter().any(|d| fed.is(&d.name, "external"));
        let shareable_all = ty.shareable;
        // Objects and interfaces, defined or extended, carry the same parts.
        let with_fields = match definition {
            Definition::ObjectTypeDefinition(d) => {
                Some((d.description.as_ref(), &d.implements_interfaces, &d.fields))
            }
            Definition::ObjectTypeExtension(d) => Some((None, &d.implements_interfaces, &d.fields)),
            Definition::InterfaceTypeDefinition(d) => {
                Some((d.description.as_ref(), &d.implements_interfaces, &d.fields))
            }
            Definition::InterfaceTypeExtension(d) => {
                Some((None, &d.implements_interfaces, &d.fields))
            }
            _ => None,
        };
        if let Some((description, implements, fields)) = with_fields {
            if ty.description.is_none() {
                ty.description = description.map(|s| s.to_string());
            }
            ty.implements.extend(implements.iter().cloned());
            read_fields(
                ty,
                fields,
                &fed,
                &compose_names,
                external_all,
                shareable_all,
            );
        }
        match definition {
            Definition::UnionTypeDefinition(d) => ty.members.extend(d.members.iter().cloned()),
            Definition::UnionTypeExtension(d) => ty.members.extend(d.members.iter().cloned()),
            Definition::EnumTypeDefinition(d) => read_values(ty, &d.values, &fed, &compose_names),
            Definition::EnumTypeExtension(d) => read_values(ty, &d.values, &fed, &compose_names),
            Definition::InputObjectTypeDefinition(d) => {
                read_inputs(ty, &d.fields, &fed, &compose_names)
            }
            Definition::InputObjectTypeExtension(d) => {
                read_inputs(ty, &d.fields, &fed, &compose_names)
            }
            _ => {}
        }
        if ty.interface_object {
            ty.kind = Kind::Object;
        }
    }
    // An `@external` key field of a type extension is the subgraph's own reference to the
    // entity, not an external field (Federation 1 required the marker).
    for ty in subgraph.types.values_mut() {
        if !ty.extension {
            continue;
        }
        let key_fields: Vec<String> = ty
            .keys
            .iter()
            .flat_map(|(k, _)| {
                k.split(|c: char| !c.is_alphanumeric() && c != '_')
                    .map(str::to_owned)
                    .collect::<Vec<_>>()
            })
            .collect();
        for (name, field) in ty.fields.iter_mut() {
            if field.external && key_fields.iter().any(|k| k == name.as_str()) {
                field.external = false;
            }
        }
    }
    // Federation 1 `extend type` is how entities were referenced, not an extension the
    // supergraph records; `@extends` is.
    if !subgraph.fed2 {
        for ty in subgraph.types.values_mut() {
            ty.extension = ty.extends_directive;
        }
    }
    subgraph.composed = directive_definitions
        .into_iter()
        .filter(|d| {
            compose_names.iter().any(|n| n == d.name.as_str())
                || is_auth_directive(&d.name)
                || is_demand_directive(&d.name)
        })
        .collect();
    Ok(subgraph)
}

fn standard_root(op: ast::OperationType) -> Name {
    Name::new_unchecked(match op {
        ast::OperationType::Query => "Query",
        ast::OperationType::Mutation => "Mutation",
        ast::OperationType::Subscription => "Subscription",
    })
}

/// Types federation adds to every subgraph; they do not compose.
fn is_federation_type(name: &str) -> bool {
    name.starts_with('_')
        || name.starts_with("link__")
        || name.starts_with("federation__")
        || name == "FieldSet"
}

pub fn is_auth_directive(name: &str) -> bool {
    matches!(name, "authenticated" | "requiresScopes" | "policy")
}

/// Demand control (`@cost`, `@listSize`): imported from federation or defined by the
/// subgraph under these names, they reach the supergraph under the cost spec's names.
pub fn is_demand_directive(name: &str) -> bool {
    matches!(name, "cost" | "listSize")
}

fn fed_names(document: &ast::Document) -> FedNames {
    let mut fed = FedNames {
        fed2: false,
        local: HashMap::new(),
    };
    for definition in &document.definitions {
        let directives = match definition {
            Definition::SchemaDefinition(s) => &s.directives,
            Definition::SchemaExtension(s) => &s.directives,
            _ => continue,
        };
        for link in directives.get_all("link") {
            let Some(Value::String(url)) =
                link.specified_argument_by_name("url").map(|v| v.as_ref())
            else {
                continue;
            };
            if !url.contains("specs.apollo.dev/federation/") {
                continue;
            }
            fed.fed2 = true;
            let Some(Value::List(imports)) = link
                .specified_argument_by_name("import")
                .map(|v| v.as_ref())
            else {
                continue;
            };
            for import in imports {
                match import.as_ref() {
                    Value::String(s) => {
                        let n = s.trim_start_matches('@').to_owned();
                        fed.local.insert(n.clone(), n);
                    }
                    Value::Object(fields) => {
                        let get = |k: &str| {
                            fields.iter().find(|(n, _)| n == k).and_then(|(_, v)| {
                                match v.as_ref() {
                                    Value::String(s) => Some(s.trim_start_matches('@').to_owned()),
                                    _ => None,
                                }
                            })
                        };
                        if let Some(name) = get("name") {
                            let alias = get("as").unwrap_or_else(|| name.clone());
                            fed.local.insert(name, alias);
                        }
                    }
                    _ => {}
                }
            }
        }
    }
    fed
}

fn collect_compose(directives: &DirectiveList, fed: &FedNames, out: &mut Vec<String>) {
    for d in directives
        .iter()
        .filter(|d| fed.is(&d.name, "composeDirective"))
    {
        if let Some(Value::String(name)) = d.specified_argument_by_name("name").map(|v| v.as_ref())
        {
            out.push(name.trim_start_matches('@').to_owned());
        }
    }
}

fn string_arg(d: &Directive, name: &str) -> Option<String> {
    match d.specified_argument_by_name(name).map(|v| v.as_ref()) {
        Some(Value::String(s)) => Some(s.clone()),
        _ => None,
    }
}

fn bool_arg(d: &Directive, name: &str) -> Option<bool> {
    match d.specified_argument_by_name(name).map(|v| v.as_ref()) {
        Some(Value::Boolean(b)) => Some(*b),
        _ => None,
    }
}

fn keep(d: &Node<Directive>, composed: &[String]) -> bool {
    d.name == "deprecated"
        || d.name == "specifiedBy"
        || is_auth_directive(&d.name)
        || composed.iter().any(|n| n == d.name.as_str())
}

fn read_type_directives(
    ty: &mut SType,
    directives: &DirectiveList,
    fed: &FedNames,
    composed: &[String],
) {
    for d in directives.iter() {
        if fed.is(&d.name, "key") {
            if let Some(fields) = string_arg(d, "fields") {
                ty.keys
                    .push((fields, bool_arg(d, "resolvable").unwrap_or(true)));
            }
        } else if fed.is(&d.name, "extends") {
            ty.extension = true;
            ty.extends_directive = true;
        } else if fed.is(&d.name, "shareable") {
            ty.shareable = true;
        } else if fed.is(&d.name, "interfaceObject") {
            ty.interface_object = true;
        } else if fed.is(&d.name, "inaccessible") {
            ty.inaccessible = true;
        } else if let Some(d) = kept(d, fed, composed) {
            ty.kept.push(d);
        }
    }
}

/// The directive as the supergraph keeps it, if it does: federation's `@tag`, `@cost` and
/// `@listSize` under their spec names; auth, `@deprecated` and composed directives as they are.
fn kept(d: &Node<Directive>, fed: &FedNames, composed: &[String]) -> Option<Node<Directive>> {
    for spec in ["tag", "cost", "listSize"] {
        if fed.is(&d.name, spec) || (is_demand_directive(spec) && d.name == spec) {
            return Some(Node::new(Directive {
                name: Name::new_unchecked(spec),
                arguments: d.arguments.clone(),
            }));
        }
    }
    keep(d, composed).then(|| d.clone())
}

fn read_fields(
    ty: &mut SType,
    fields: &[Node<ast::FieldDefinition>],
    fed: &FedNames,
    composed: &[String],
    external_all: bool,
    shareable_all: bool,
) {
    for f in fields {
        let mut field = SField {
            ty: Some(f.ty.clone()),
            external: external_all,
            shareable: shareable_all,
            description: f.description.as_ref().map(|s| s.to_string()),
            args: f
                .arguments
                .iter()
                .map(|a| SArg {
                    name: a.name.clone(),
                    ty: (*a.ty).clone(),
                    default: a.default_value.clone(),
                    directives: a
                        .directives
                        .iter()
                        .filter_map(|d| {
                            if fed.is(&d.name, "inaccessible") {
                                Some(Node::new(Directive {
                                    name: Name::new_unchecked("inaccessible"),
                                    arguments: Vec::new(),
                                }))
                            } else {
                                kept(d, fed, composed)
                            }
                        })
                        .collect(),
                })
                .collect(),
            ..SField::default()
        };
        for d in f.directives.iter() {
            if fed.is(&d.name, "external") {
                field.external = true;
            } else if fed.is(&d.name, "requires") {
                field.requires = string_arg(d, "fields");
            } else if fed.is(&d.name, "provides") {
                field.provides = string_arg(d, "fields");
            } else if fed.is(&d.name, "override") {
                field.override_from = string_arg(d, "from");
            } else if fed.is(&d.name, "shareable") {
                field.shareable = true;
            } else if fed.is(&d.name, "inaccessible") {
                field.inaccessible = true;
            } else if let Some(d) = kept(d, fed, composed) {
                field.kept.push(d);
            }
        }
        if f.name.as_str() == "_entities" || f.name.as_str() == "_service" {
            continue;
        }
        ty.fields.insert(f.name.clone(), field);
    }
}

fn read_values(
    ty: &mut SType,
    values: &[Node<ast::EnumValueDefinition>],
    fed: &FedNames,
    composed: &[String],
) {
    for v in values {
        let mut value = SField {
            description: v.description.as_ref().map(|s| s.to_string()),
            ..SField::default()
        };
        for d in v.directives.iter() {
            if fed.is(&d.name, "inaccessible") {
                value.inaccessible = true;
            } else if let Some(d) = kept(d, fed, composed) {
                value.kept.push(d);
            }
        }
        ty.values.insert(v.value.clone(), value);
    }
}

fn read_inputs(
    ty: &mut SType,
    fields: &[Node<ast::InputValueDefinition>],
    fed: &FedNames,
    composed: &[String],
) {
    for f in fields {
        let mut field = SField {
            ty: Some((*f.ty).clone()),
            default: f.default_value.clone(),
            description: f.description.as_ref().map(|s| s.to_string()),
            ..SField::default()
        };
        for d in f.directives.iter() {
            if fed.is(&d.name, "inaccessible") {
                field.inaccessible = true;
            } else if let Some(d) = kept(d, fed, composed) {
                field.kept.push(d);
            }
        }
        ty.fields.insert(f.name.clone(), field);
    }
}
