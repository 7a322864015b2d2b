//! Uniting subgraph types into supergraph types with their `join__` metadata.

use std::collections::{BTreeSet, HashMap};

use apollo_compiler::ast::{self, Type};
use apollo_compiler::{Name, Node};
use indexmap::IndexMap;

use super::subgraph::{Kind, ParsedSubgraph, SArg, SField};

/// A `@join__field` entry.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct JoinField {
    /// `None` for the graph-less marker of fields an `@interfaceObject` contributes.
    pub graph: Option<usize>,
    pub requires: Option<String>,
    pub provides: Option<String>,
    pub ty: Option<String>,
    pub external: bool,
    pub override_from: Option<String>,
    pub used_overridden: bool,
}

#[derive(Debug, Clone)]
pub struct MField {
    pub ty: Type,
    pub args: Vec<SArg>,
    pub joins: Vec<JoinField>,
    pub inaccessible: bool,
    pub description: Option<String>,
    pub default: Option<Node<ast::Value>>,
    pub kept: Vec<Node<ast::Directive>>,
}

/// An enum value, with the graphs defining it.
#[derive(Debug, Clone, Default)]
pub struct MValue {
    pub graphs: BTreeSet<usize>,
    pub inaccessible: bool,
    pub kept: Vec<Node<ast::Directive>>,
}

/// A `@join__type` entry.
#[derive(Debug, Clone, PartialEq)]
pub struct JoinType {
    pub graph: usize,
    pub key: Option<String>,
    pub extension: bool,
    pub resolvable: bool,
    pub interface_object: bool,
}

#[derive(Debug, Clone)]
pub struct MType {
    pub kind: Kind,
    pub joins: Vec<JoinType>,
    pub implements: Vec<(usize, Name)>,
    pub interfaces: Vec<Name>,
    pub fields: IndexMap<Name, MField>,
    pub members: Vec<Name>,
    pub member_joins: Vec<(usize, Name)>,
    pub values: IndexMap<Name, MValue>,
    pub inaccessible: bool,
    pub description: Option<String>,
    pub kept: Vec<Node<ast::Directive>>,
}

pub struct Merged {
    pub types: IndexMap<Name, MType>,
    /// Type-level conflicts found while merging (field types that cannot be reconciled).
    pub conflicts: Vec<(String, String)>,
}

pub fn merge(subgraphs: &[ParsedSubgraph]) -> Merged {
    let mut names: Vec<Name> = Vec::new();
    for s in subgraphs {
        for name in s.types.keys() {
            if !names.contains(name) {
                names.push(name.clone());
            }
        }
    }
    let query = Name::new_unchecked("Query");
    if !names.contains(&query) {
        names.push(query.clone());
    }
    let relations = Relations::new(subgraphs);
    let mut merged = Merged {
        types: IndexMap::new(),
        conflicts: Vec::new(),
    };
    for name in &names {
        let defs: Vec<(usize, &super::subgraph::SType)> = subgraphs
            .iter()
            .enumerate()
            .filter_map(|(g, s)| s.types.get(name).map(|t| (g, t)))
            .collect();
        // Every subgraph has a Query type, if only for `_entities`.
        let graphs: Vec<usize> = if *name == query {
            (0..subgraphs.len()).collect()
        } else {
            defs.iter().map(|(g, _)| *g).collect()
        };
        let kind = if defs
            .iter()
            .any(|(_, t)| t.kind == Kind::Interface || t.interface_object)
        {
            Kind::Interface
        } else {
            defs.first().map_or(Kind::Object, |(_, t)| t.kind)
        };
        let mut ty = MType {
            kind,
            joins: Vec::new(),
            implements: Vec::new(),
            interfaces: Vec::new(),
            fields: IndexMap::new(),
            members: Vec::new(),
            member_joins: Vec::new(),
            values: IndexMap::new(),
            inaccessible: defs.iter().any(|(_, t)| t.inaccessible),
            description: defs.iter().find_map(|(_, t)| t.description.clone()),
            kept: dedupe(defs.iter().flat_map(|(_, t)| t.kept.iter().cloned())),
        };
        for &g in &graphs {
            let def = defs.iter().find(|(dg, _)| *dg == g).map(|(_, t)| *t);
            let extension = def.is_some_and(|t| t.extension);
            let interface_object = def.is_some_and(|t| t.interface_object);
            let keys = def.map(|t| t.keys.clone()).unwrap_or_default();
            if keys.is_empty() {
                ty.joins.push(JoinType {
                    graph: g,
                    key: None,
                    extension: false,
                    resolvable: true,
                    interface_object,
                });
            }
            for (key, resolvable) in keys {
                ty.joins.push(JoinType {
                    graph: g,
                    key: Some(normalize_field_set(&key)),
                    extension,
                    resolvable,
                    interface_object,
                });
            }
        }
        for (g, def) in &defs {
            for interface in &def.implements {
                ty.implements.push((*g, interface.clone()));
                if !ty.interfaces.contains(interface) {
                    ty.interfaces.push(interface.clone());
                }
            }
            for member in &def.members {
                ty.member_joins.push((*g, member.clone()));
                if !ty.members.contains(member) {
                    ty.members.push(member.clone());
                }
            }
        }
        match kind {
            Kind::Object | Kind::Interface => merge_fields(
                name,
                &defs,
                &graphs,
                subgraphs,
                &relations,
                &mut ty,
                &mut merged.conflicts,
            ),
            Kind::Input => merge_inputs(&defs, &mut ty),
            Kind::Enum => merge_values(name, &defs, &relations, &mut ty),
            Kind::Union | Kind::Scalar => {}
        }
        merged.types.insert(name.clone(), ty);
    }
    add_interface_object_fields(subgraphs, &mut merged);
    merged
}

/// Which types are members or implementations of which, and where enums are used.
struct Relations {
    supertypes: HashMap<Name, BTreeSet<Name>>,
    enum_input: BTreeSet<Name>,
    enum_output: BTreeSet<Name>,
}

impl Relations {
    fn new(subgraphs: &[ParsedSubgraph]) -> Self {
        let mut supertypes: HashMap<Name, BTreeSet<Name>> = HashMap::new();
        let mut enum_input = BTreeSet::new();
        let mut enum_output = BTreeSet::new();
        for s in subgraphs {
            for (name, t) in &s.types {
                for i in &t.implements {
                    supertypes
                        .entry(name.clone())
                        .or_default()
                        .insert(i.clone());
                }
                for m in &t.members {
                    supertypes
                        .entry(m.clone())
                        .or_default()
                        .insert(name.clone());
                }
                for f in t.fields.values() {
                    if let Some(ty) = &f.ty {
                        if t.kind == Kind::Input {
                            enum_input.insert(ty.inner_named_type().clone());
                        } else {
                            enum_output.insert(ty.inner_named_type().clone());
                        }
                    }
                    for a in &f.args {
                        enum_input.insert(a.ty.inner_named_type().clone());
                    }
                }
            }
        }
        Self {
            supertypes,
            enum_input,
            enum_output,
        }
    }

    fn is_subtype(&self, sub: &Name, sup: &Name) -> bool {
        let mut stack = vec![sub.clone()];
        let mut seen = BTreeSet::new();
        while let Some(t) = stack.pop() {
            if !seen.insert(t.clone()) {
                continue;
            }
            if let Some(sups) = self.supertypes.get(&t) {
                if sups.contains(sup) {
                    return true;
                }
                stack.extend(sups.iter().cloned());
            }
        }
        false
    }

    /// The least upper bound of two output types, if they are compatible.
    fn output_lub(&self, a: &Type, b: &Type) -> Option<Type> {
        let non_null = a.is_non_null() && b.is_non_null();
        let inner = match (a, b) {
            (Type::Named(x) | Type::NonNullNamed(x), Type::Named(y) | Type::NonNullNamed(y)) => {
                let name = if x == y || self.is_subtype(y, x) {
                    x.clone()
                } else if self.is_subtype(x, y) {
                    y.clone()
                } else {
                    return None;
                };
                Type::Named(name)
            }
            (Type::List(x) | Type::NonNullList(x), Type::List(y) | Type::NonNullList(y)) => {
                Type::List(Box::new(self.output_lub(x, y)?))
            }
            _ => return None,
        };
        Some(if non_null { inner.non_null() } else { inner })
    }
}

/// Input types: the most restrictive nullability wins.
fn input_glb(a: &Type, b: &Type) -> Option<Type> {
    let non_null = a.is_non_null() || b.is_non_null();
    let inner = match (a, b) {
        (Type::Named(x) | Type::NonNullNamed(x), Type::Named(y) | Type::NonNullNamed(y))
            if x == y =>
        {
            Type::Named(x.clone())
        }
        (Type::List(x) | Type::NonNullList(x), Type::List(y) | Type::NonNullList(y)) => {
            Type::List(Box::new(input_glb(x, y)?))
        }
        _ => return None,
    };
    Some(if non_null { inner.non_null() } else { inner })
}

fn dedupe(directives: impl Iterator<Item = Node<ast::Directive>>) -> Vec<Node<ast::Directive>> {
    let mut out: Vec<Node<ast::Directive>> = Vec::new();
    for d in directives {
        if !out.iter().any(|o| o.to_string() == d.to_string()) {
            out.push(d);
        }
    }
    out
}

/// Field sets compare by content: collapse whitespace.
pub fn normalize_field_set(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn merge_fields(
    type_name: &Name,
    defs: &[(usize, &super::subgraph::SType)],
    graphs: &[usize],
    subgraphs: &[ParsedSubgraph],
    relations: &Relations,
    ty: &mut MType,
    conflicts: &mut Vec<(String, String)>,
) {
    let mut names: Vec<Name> = Vec::new();
    for (_, t) in defs {
        for f in t.fields.keys() {
            if !names.contains(f) {
                names.push(f.clone());
            }
        }
    }
    for field_name in names {
        let fdefs: Vec<(usize, &SField)> = defs
            .iter()
            .filter_map(|(g, t)| t.fields.get(&field_name).map(|f| (*g, f)))
            .collect();
        let mut merged_ty: Option<Type> = None;
        for (_, f) in &fdefs {
            let Some(t) = &f.ty else { continue };
            merged_ty = match merged_ty {
                None => Some(t.clone()),
                Some(m) => match relations.output_lub(&m, t) {
                    Some(lub) => Some(lub),
                    None => {
                        conflicts.push((
                            format!("{type_name}.{field_name}"),
                            format!("`{m}` in one subgraph and `{t}` in another"),
                        ));
                        Some(m)
                    }
                },
            };
        }
        let Some(merged_ty) = merged_ty else { continue };
        let type_differs = fdefs.iter().any(|(_, f)| f.ty.as_ref() != Some(&merged_ty));
        let overridden_graphs: Vec<usize> = fdefs
            .iter()
            .filter_map(|(_, f)| f.override_from.as_ref())
            .filter_map(|from| subgraphs.iter().position(|s| s.name == *from))
            .collect();
        // `@override(from:)` naming no subgraph overrides nothing.
        let overrides = |f: &SField| {
            f.override_from
                .as_ref()
                .filter(|from| subgraphs.iter().any(|s| s.name == **from))
                .cloned()
        };
        let special = fdefs.iter().any(|(_, f)| {
            f.external || f.requires.is_some() || f.provides.is_some() || overrides(f).is_some()
        });
        let mut joins = Vec::new();
        if fdefs.len() != graphs.len() || special || type_differs {
            for (g, f) in &fdefs {
                let overridden = overridden_graphs.contains(g) && !f.external;
                let used_overridden =
                    overridden && field_used_in(&subgraphs[*g], type_name, &field_name);
                if overridden && !used_overridden {
                    continue;
                }
                joins.push(JoinField {
                    graph: Some(*g),
                    requires: f.requires.as_deref().map(normalize_field_set),
                    provides: f.provides.as_deref().map(normalize_field_set),
                    ty: type_differs
                        .then(|| f.ty.as_ref().map(|t| t.to_string()))
                        .flatten(),
                    external: f.external,
                    override_from: overrides(f),
                    used_overridden,
                });
            }
        }
        let args = merge_args(&fdefs);
        ty.fields.insert(
            field_name.clone(),
            MField {
                ty: merged_ty,
                args,
                joins,
                inaccessible: fdefs.iter().any(|(_, f)| f.inaccessible),
                description: fdefs.iter().find_map(|(_, f)| f.description.clone()),
                default: None,
                kept: dedupe(fdefs.iter().flat_map(|(_, f)| f.kept.iter().cloned())),
            },
        );
    }
}

/// Arguments every definition of the field has, with the most restrictive type.
fn merge_args(fdefs: &[(usize, &SField)]) -> Vec<SArg> {
    let Some((_, first)) = fdefs.first() else {
        return Vec::new();
    };
    first
        .args
        .iter()
        .filter_map(|arg| {
            let mut merged = arg.clone();
            for (_, f) in &fdefs[1..] {
                let other = f.args.iter().find(|a| a.name == arg.name)?;
                merged.ty = input_glb(&merged.ty, &other.ty)?;
                if merged.default.is_none() {
                    merged.default = other.default.clone();
                }
                merged.directives.extend(other.directives.iter().cloned());
            }
            merged.directives = dedupe(merged.directives.into_iter());
            Some(merged)
        })
        .collect()
}

/// Whether the subgraph still needs its (overridden) field: a key, `@requires` or
/// `@provides` of its own mentions it.
fn field_used_in(subgraph: &ParsedSubgraph, type_name: &Name, field: &Name) -> bool {
    let mentions = |set: &str| {
        set.split(|c: char| !c.is_alphanumeric() && c != '_')
            .any(|w| w == field.as_str())
    };
    let Some(t) = subgraph.types.get(type_name) else {
        return false;
    };
    // An interface of the type declares the field: it must still resolve there.
    let by_interface = t.implements.iter().any(|i| {
        subgraph
            .types
            .get(i)
            .is_some_and(|it| it.fields.contains_key(field))
    });
    by_interface
        || t.keys.iter().any(|(k, _)| mentions(k))
        || t.fields
            .values()
            .any(|f| f.requires.as_deref().is_some_and(mentions))
        || subgraph
            .types
            .values()
            .flat_map(|t| t.fields.values())
            .any(|f| {
                f.provides.as_deref().is_some_and(mentions)
                    && f.ty
                        .as_ref()
                        .is_some_and(|ty| ty.inner_named_type() == type_name)
            })
}

fn merge_inputs(defs: &[(usize, &super::subgraph::SType)], ty: &mut MType) {
    let Some((_, first)) = defs.first() else {
        return;
    };
    for (name, f) in &first.fields {
        let mut merged = f.ty.clone();
        let mut present = true;
        for (_, t) in &defs[1..] {
            match (t.fields.get(name), &merged) {
                (Some(other), Some(m)) => merged = other.ty.as_ref().and_then(|o| input_glb(m, o)),
                _ => present = false,
            }
        }
        let (true, Some(merged)) = (present, merged) else {
            continue;
        };
        ty.fields.insert(
            name.clone(),
            MField {
                ty: merged,
                args: Vec::new(),
                joins: Vec::new(),
                inaccessible: defs
                    .iter()
                    .any(|(_, t)| t.fields.get(name).is_some_and(|f| f.inaccessible)),
                description: f.description.clone(),
                default: f.default.clone(),
                kept: dedupe(
                    defs.iter()
                        .filter_map(|(_, t)| t.fields.get(name))
                        .flat_map(|f| f.kept.iter().cloned()),
                ),
            },
        );
    }
}

/// Output-only enums take every value; input-only ones the values all subgraphs share.
fn merge_values(
    name: &Name,
    defs: &[(usize, &super::subgraph::SType)],
    relations: &Relations,
    ty: &mut MType,
) {
    let input_only = relations.enum_input.contains(name) && !relations.enum_output.contains(name);
    for (g, t) in defs {
        for (value, v) in &t.values {
            let entry = ty.values.entry(value.clone()).or_default();
            entry.graphs.insert(*g);
            entry.inaccessible |= v.inaccessible;
            entry.kept = dedupe(entry.kept.iter().cloned().chain(v.kept.iter().cloned()));
        }
    }
    if input_only {
        let all: BTreeSet<usize> = defs.iter().map(|(g, _)| *g).collect();
        ty.values.retain(|_, v| v.graphs == all);
    }
}

/// Fields an `@interfaceObject` defines reach every implementation of the interface, marked
/// with a graph-less `@join__field`.
fn add_interface_object_fields(subgraphs: &[ParsedSubgraph], merged: &mut Merged) {
    let mut additions: Vec<(Name, Name, MField)> = Vec::new();
    for s in subgraphs {
        for (interface, t) in s.types.iter().filter(|(_, t)| t.interface_object) {
            for (object_name, object) in &merged.types {
                if object.kind != Kind::Object || !object.interfaces.contains(interface) {
                    continue;
                }
                for (field_name, field) in &t.fields {
                    if object.fields.contains_key(field_name)
                        || additions
                            .iter()
                            .any(|(o, f, _)| o == object_name && f == field_name)
                    {
                        continue;
                    }
                    let Some(ty) = &field.ty else { continue };
                    additions.push((
                        object_name.clone(),
                        field_name.clone(),
                        MField {
                            ty: ty.clone(),
                            args: field.args.clone(),
                            joins: vec![JoinField::default()],
                            inaccessible: field.inaccessible,
                            description: field.description.clone(),
                            default: None,
                            kept: field.kept.clone(),
                        },
                    ));
                }
            }
        }
    }
    for (object, field, mfield) in additions {
        if let Some(t) = merged.types.get_mut(&object) {
            t.fields.insert(field, mfield);
        }
    }
}
