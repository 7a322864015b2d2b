//! Reading `join__` directives out of a supergraph.

use std::collections::{BTreeSet, HashMap};

use apollo_compiler::ast::Directive;
use apollo_compiler::ast::Value;
use apollo_compiler::executable::{FieldSet, SelectionSet};
use apollo_compiler::schema::ExtendedType;
use apollo_compiler::{Name, Node, Schema};

use super::{FieldSource, GraphId, Key, Subgraph, Supergraph, TypeInGraph, TypeMeta};

#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("the supergraph is not a valid schema:\n{0}")]
    Invalid(String),
    #[error("the supergraph has no join__Graph enum: is it a Federation 2 supergraph?")]
    NotASupergraph,
    #[error("invalid field set `{fields}` on {ty}: {message}")]
    FieldSet {
        ty: String,
        fields: String,
        message: String,
    },
    #[error("the supergraph's API schema is invalid:\n{0}")]
    ApiSchema(String),
}

pub(super) fn load(sdl: &str) -> Result<Supergraph, LoadError> {
    let schema = Schema::parse_and_validate(sdl, "supergraph.graphql")
        .map_err(|e| LoadError::Invalid(e.errors.to_string()))?;
    let subgraphs = read_graphs(&schema)?;
    let graph_of = |value: &Name| subgraphs.iter().position(|s| &s.enum_value == value);

    let mut types: HashMap<Name, TypeMeta> = HashMap::new();
    for (name, ty) in &schema.types {
        if ty.is_built_in() || name.starts_with("join__") || name.starts_with("link__") {
            continue;
        }
        let mut meta = TypeMeta::default();
        for directive in ty.directives().get_all("join__type") {
            let Some(graph) = enum_arg(directive, "graph").and_then(graph_of) else {
                continue;
            };
            let entry = meta
                .graphs
                .entry(graph)
                .or_insert_with(TypeInGraph::default);
            if bool_arg(directive, "isInterfaceObject").unwrap_or(false) {
                entry.interface_object = true;
            }
            if let Some(fields) = string_arg(directive, "key") {
                entry.keys.push(Key {
                    fields: parse_field_set(&schema, name, &fields)?,
                    resolvable: bool_arg(directive, "resolvable").unwrap_or(true),
                });
            }
        }
        match ty {
            ExtendedType::Object(o) => {
                read_fields(
                    &schema,
                    name,
                    o.fields.values().map(|f| &f.node),
                    &graph_of,
                    &mut meta,
                )?;
                for directive in o.directives.get_all("join__implements") {
                    if let (Some(graph), Some(interface)) = (
                        enum_arg(directive, "graph").and_then(graph_of),
                        string_arg(directive, "interface"),
                    ) {
                        let Ok(interface) = Name::new(&interface) else {
                            continue;
                        };
                        types
                            .entry(interface)
                            .or_default()
                            .members_in_graph
                            .entry(graph)
                            .or_default()
                            .insert(name.clone());
                    }
                }
            }
            ExtendedType::Interface(i) => {
                read_fields(
                    &schema,
                    name,
                    i.fields.values().map(|f| &f.node),
                    &graph_of,
                    &mut meta,
                )?;
            }
            ExtendedType::Union(u) => {
                for directive in u.directives.get_all("join__unionMember") {
                    if let (Some(graph), Some(member)) = (
                        enum_arg(directive, "graph").and_then(graph_of),
                        string_arg(directive, "member"),
                    ) {
                        let Ok(member) = Name::new(&member) else {
                            continue;
                        };
                        meta.members_in_graph
                            .entry(graph)
                            .or_default()
                            .insert(member);
                    }
                }
            }
            _ => {}
        }
        let existing = types.remove(name).unwrap_or_default();
        meta.members_in_graph.extend(existing.members_in_graph);
        types.insert(name.clone(), meta);
    }
    infer_missing_members(&schema, &mut types);

    let api = super::api_schema::derive(&schema)?;
    let api_implementers = api.implementers_map();
    Ok(Supergraph {
        schema,
        api,
        api_implementers,
        subgraphs,
        types,
    })
}

fn read_graphs(schema: &Schema) -> Result<Vec<Subgraph>, LoadError> {
    let Some(ExtendedType::Enum(graphs)) = schema.types.get("join__Graph") else {
        return Err(LoadError::NotASupergraph);
    };
    Ok(graphs
        .values
        .values()
        .map(|value| {
            let directive = value.directives.get("join__graph");
            Subgraph {
                name: directive
                    .and_then(|d| string_arg(d, "name"))
                    .unwrap_or_else(|| value.value.to_string().to_lowercase()),
                url: directive
                    .and_then(|d| string_arg(d, "url"))
                    .unwrap_or_default(),
                enum_value: value.value.clone(),
            }
        })
        .collect())
}

fn read_fields<'a>(
    schema: &apollo_compiler::validation::Valid<Schema>,
    type_name: &Name,
    fields: impl Iterator<Item = &'a Node<apollo_compiler::schema::FieldDefinition>>,
    graph_of: &impl Fn(&Name) -> Option<GraphId>,
    meta: &mut TypeMeta,
) -> Result<(), LoadError> {
    for field in fields {
        let join_fields: Vec<_> = field.directives.get_all("join__field").collect();
        if join_fields.is_empty() {
            continue;
        }
        let mut sources = Vec::new();
        for directive in join_fields {
            // `@join__field` without a graph only marks a field as composed: it adds no source.
            let Some(graph) = enum_arg(directive, "graph").and_then(graph_of) else {
                continue;
            };
            let requires = string_arg(directive, "requires")
                .map(|fields| parse_field_set(schema, type_name, &fields))
                .transpose()?;
            let provides = match string_arg(directive, "provides") {
                Some(fields) => Some(parse_field_set(
                    schema,
                    field.ty.inner_named_type(),
                    &fields,
                )?),
                None => None,
            };
            sources.push(FieldSource {
                graph,
                external: bool_arg(directive, "external").unwrap_or(false),
                requires,
                provides,
                type_in_graph: string_arg(directive, "type"),
                overridden: bool_arg(directive, "usedOverridden").unwrap_or(false),
            });
        }
        // Only graph-less `@join__field`s: the field comes from an `@interfaceObject` of an
        // interface the type implements. An empty entry marks that.
        meta.fields.insert(field.name.clone(), sources);
    }
    Ok(())
}

/// Older supergraphs lack `@join__implements`/`@join__unionMember`: then a graph's members are
/// the implementing types it defines.
fn infer_missing_members(schema: &Schema, types: &mut HashMap<Name, TypeMeta>) {
    let abstract_types: Vec<Name> = schema
        .types
        .iter()
        .filter(|(_, t)| matches!(t, ExtendedType::Interface(_) | ExtendedType::Union(_)))
        .map(|(n, _)| n.clone())
        .collect();
    for name in abstract_types {
        let graphs: Vec<GraphId> = types
            .get(&name)
            .map(|m| m.graphs.keys().copied().collect())
            .unwrap_or_default();
        let members: BTreeSet<Name> = match &schema.types[&name] {
            ExtendedType::Union(u) => u.members.iter().map(|m| m.name.clone()).collect(),
            _ => schema
                .types
                .values()
                .filter_map(|t| match t {
                    ExtendedType::Object(o)
                        if o.implements_interfaces.iter().any(|i| i.name == name) =>
                    {
                        Some(o.name.clone())
                    }
                    _ => None,
                })
                .collect(),
        };
        for graph in graphs {
            let has_explicit = types
                .get(&name)
                .is_some_and(|m| m.members_in_graph.contains_key(&graph));
            let explicit_directives = match &schema.types[&name] {
                ExtendedType::Union(u) => u.directives.get("join__unionMember").is_some(),
                _ => schema
                    .types
                    .values()
                    .any(|t| t.directives().get("join__implements").is_some()),
            };
            if has_explicit || explicit_directives {
                continue;
            }
            let in_graph: BTreeSet<Name> = members
                .iter()
                .filter(|m| types.get(*m).is_some_and(|t| t.graphs.contains_key(&graph)))
                .cloned()
                .collect();
            if let Some(meta) = types.get_mut(&name) {
                meta.members_in_graph.insert(graph, in_graph);
            }
        }
    }
}

fn parse_field_set(
    schema: &apollo_compiler::validation::Valid<Schema>,
    ty: &Name,
    fields: &str,
) -> Result<SelectionSet, LoadError> {
    FieldSet::parse(schema, ty.clone(), fields, "field-set.graphql")
        .map(|set| set.selection_set)
        .map_err(|e| LoadError::FieldSet {
            ty: ty.to_string(),
            fields: fields.to_owned(),
            message: e.errors.to_string(),
        })
}

fn arg<'a>(directive: &'a Directive, name: &str) -> Option<&'a Node<Value>> {
    directive.specified_argument_by_name(name)
}

fn enum_arg<'a>(directive: &'a Directive, name: &str) -> Option<&'a Name> {
    match arg(directive, name).map(|v| v.as_ref()) {
        Some(Value::Enum(value)) => Some(value),
        _ => None,
    }
}

pub(super) fn string_arg(directive: &Directive, name: &str) -> Option<String> {
    match arg(directive, name).map(|v| v.as_ref()) {
        Some(Value::String(s)) => Some(s.clone()),
        _ => None,
    }
}

fn bool_arg(directive: &Directive, name: &str) -> Option<bool> {
    match arg(directive, name).map(|v| v.as_ref()) {
        Some(Value::Boolean(b)) => Some(*b),
        _ => None,
    }
}
