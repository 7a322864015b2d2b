//! The supergraph: the composed schema with its `join__` metadata, read into a model the
//! planner can query ("which subgraphs resolve `Product.price`, by which key?"), and the API
//! schema clients see.

mod api_schema;
mod join;

use std::collections::{BTreeSet, HashMap};

use apollo_compiler::executable::SelectionSet;
use apollo_compiler::schema::{ExtendedType, Implementers};
use apollo_compiler::validation::Valid;
use apollo_compiler::{Name, Schema};
use indexmap::IndexMap;

pub use join::LoadError;

/// Index of a subgraph in `Supergraph::subgraphs`.
pub type GraphId = usize;

#[derive(Debug, Clone)]
pub struct Subgraph {
    pub name: String,
    pub url: String,
    /// The `join__Graph` enum value naming it.
    pub enum_value: Name,
}

/// A `@key` of a type in one subgraph.
#[derive(Debug, Clone)]
pub struct Key {
    pub fields: SelectionSet,
    /// `false` for `@key(..., resolvable: false)`: the subgraph references the entity but
    /// cannot be asked for it.
    pub resolvable: bool,
}

/// How one subgraph knows a type.
#[derive(Debug, Clone, Default)]
pub struct TypeInGraph {
    pub keys: Vec<Key>,
    /// The subgraph sees an interface as an object type (`@interfaceObject`).
    pub interface_object: bool,
}

/// Where one field can be resolved.
#[derive(Debug, Clone)]
pub struct FieldSource {
    pub graph: GraphId,
    /// Declared `@external` here: only readable where `@provides` makes it so, or as part
    /// of a key.
    pub external: bool,
    /// `@requires`: fields of the parent the subgraph needs in the representation.
    pub requires: Option<SelectionSet>,
    /// `@provides`: fields of the returned type this subgraph resolves along with it.
    pub provides: Option<SelectionSet>,
    /// The field's type in this subgraph when it differs from the supergraph's.
    pub type_in_graph: Option<String>,
    /// The field was taken over by another subgraph with `@override`.
    pub overridden: bool,
}

/// What the planner knows of one composite type.
#[derive(Debug, Clone, Default)]
pub struct TypeMeta {
    pub graphs: IndexMap<GraphId, TypeInGraph>,
    /// Field name → where it resolves. A field with no entry resolves in every graph of the type.
    pub fields: HashMap<Name, Vec<FieldSource>>,
    /// For interfaces and unions: the possible object types in each graph.
    pub members_in_graph: HashMap<GraphId, BTreeSet<Name>>,
}

pub struct Supergraph {
    /// The full composed schema, `join__` directives included.
    pub schema: Valid<Schema>,
    /// What clients see: no `join__`/`link__` types, no `@inaccessible` elements.
    pub api: Valid<Schema>,
    pub api_implementers: apollo_compiler::collections::HashMap<Name, Implementers>,
    pub subgraphs: Vec<Subgraph>,
    pub types: HashMap<Name, TypeMeta>,
}

impl Supergraph {
    /// Reads an Apollo-format supergraph (`@link` join v0.3 to v0.5).
    pub fn parse(sdl: &str) -> Result<Self, LoadError> {
        join::load(sdl)
    }

    pub fn graph_by_name(&self, name: &str) -> Option<GraphId> {
        self.subgraphs.iter().position(|s| s.name == name)
    }

    pub fn type_meta(&self, ty: &str) -> Option<&TypeMeta> {
        self.types.get(ty)
    }

    /// Whether `graph` defines `ty` at all.
    pub fn type_in_graph(&self, ty: &str, graph: GraphId) -> Option<&TypeInGraph> {
        self.types.get(ty).and_then(|t| t.graphs.get(&graph))
    }

    pub fn is_abstract(&self, ty: &str) -> bool {
        matches!(
            self.schema.types.get(ty),
            Some(ExtendedType::Interface(_) | ExtendedType::Union(_))
        )
    }

    /// The object types a value of `ty` can be, in the supergraph.
    pub fn possible_types(&self, ty: &str) -> BTreeSet<Name> {
        match self.schema.types.get(ty) {
            Some(ExtendedType::Object(o)) => BTreeSet::from([o.name.clone()]),
            Some(ExtendedType::Union(u)) => u.members.iter().map(|m| m.name.clone()).collect(),
            Some(ExtendedType::Interface(_)) => self
                .schema
                .types
                .values()
                .filter_map(|t| match t {
                    ExtendedType::Object(o)
                        if o.implements_interfaces.iter().any(|i| i.name == ty) =>
                    {
                        Some(o.name.clone())
                    }
                    _ => None,
                })
                .collect(),
            _ => BTreeSet::new(),
        }
    }

    /// The object types of `ty` that `graph` can return.
    pub fn possible_types_in_graph(&self, ty: &str, graph: GraphId) -> BTreeSet<Name> {
        match self.schema.types.get(ty) {
            Some(ExtendedType::Object(_)) => {
                if self.type_in_graph(ty, graph).is_some() {
                    BTreeSet::from([Name::new_unchecked(ty)])
                } else {
                    BTreeSet::new()
                }
            }
            _ => self
                .types
                .get(ty)
                .and_then(|t| t.members_in_graph.get(&graph))
                .cloned()
                .unwrap_or_default(),
        }
    }

    /// For a field an `@interfaceObject` contributes to `ty`: the interface-object graphs of
    /// the interfaces `ty` implements that resolve it.
    fn interface_object_sources(&self, ty: &str, field: &str) -> Vec<FieldSource> {
        let Some(ExtendedType::Object(object)) = self.schema.types.get(ty) else {
            return Vec::new();
        };
        let mut sources = Vec::new();
        for interface in &object.implements_interfaces {
            let Some(meta) = self.types.get(&interface.name) else {
                continue;
            };
            let io_graphs: Vec<GraphId> = meta
                .graphs
                .iter()
                .filter(|(_, t)| t.interface_object)
                .map(|(g, _)| *g)
                .collect();
            sources.extend(
                self.field_sources(&interface.name, field)
                    .into_iter()
                    .filter(|s| io_graphs.contains(&s.graph)),
            );
        }
        sources
    }

    /// The type an entity of `ty` goes by in `graph`: itself, or an interface it implements
    /// that `graph` knows as an `@interfaceObject`.
    pub fn entity_type_in_graph(&self, ty: &Name, graph: GraphId) -> Option<Name> {
        if self.type_in_graph(ty, graph).is_some() {
            return Some(ty.clone());
        }
        let Some(ExtendedType::Object(object)) = self.schema.types.get(ty) else {
            return None;
        };
        object
            .implements_interfaces
            .iter()
            .find(|i| {
                self.type_in_graph(&i.name, graph)
                    .is_some_and(|t| t.interface_object)
            })
            .map(|i| i.name.clone())
    }

    /// The sources of `ty.field`, explicit or implied (every graph of the type).
    pub fn field_sources(&self, ty: &str, field: &str) -> Vec<FieldSource> {
        let Some(meta) = self.types.get(ty) else {
            return Vec::new();
        };
        match meta.fields.get(field) {
            Some(sources) if sources.is_empty() => return self.interface_object_sources(ty, field),
            Some(sources) => return sources.clone(),
            None => {}
        }
        meta.graphs
            .keys()
            .map(|&graph| FieldSource {
                graph,
                external: false,
                requires: None,
                provides: None,
                type_in_graph: None,
                overridden: false,
            })
            .collect()
    }
}
