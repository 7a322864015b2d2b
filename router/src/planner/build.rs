//! Building fetch groups from an operation, then ordering them into a plan.

use std::collections::{BTreeSet, HashMap};

use apollo_compiler::Name;
use apollo_compiler::ast::OperationType;

use super::plan::{FetchNode, PathStep, PlanNode, QueryPlan};
use super::selection::{Sel, merge, print, variables_used};
use crate::operation::{Field, Operation, Selection, SelectionSet, from_field_set};
use crate::supergraph::{FieldSource, GraphId, Key, Supergraph};

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum PlanError {
    #[error("no subgraph can resolve `{ty}.{field}` here")]
    Unreachable { ty: String, field: String },
}

#[derive(Clone)]
struct Group {
    graph: GraphId,
    kind: OperationType,
    entity: bool,
    path: Vec<PathStep>,
    selections: Vec<Sel>,
    /// For entity groups: the representation selections (`... on T { __typename key }`).
    requires: Vec<Sel>,
    deps: BTreeSet<usize>,
    /// Internal aliases to undo in the response: (alias sent, response key meant).
    renames: Vec<(Name, Name)>,
}

/// Where an entity fetch goes: the subgraph, the type the entity goes by there, the key.
struct EntityTarget {
    graph: GraphId,
    ty: Name,
    key: Key,
}

fn typename_selection() -> Selection {
    Selection::Field(Field {
        alias: None,
        name: Name::new_unchecked("__typename"),
        arguments: Vec::new(),
        ty: apollo_compiler::ast::Type::NonNullNamed(Name::new_unchecked("String")),
        selection: None,
    })
}

struct Planner<'a> {
    sg: &'a Supergraph,
    groups: Vec<Group>,
    /// (type, graph, field) on the current chain of entity jumps: a guard against cycles.
    visiting: Vec<(Name, GraphId, Name)>,
    /// While planning an entity fetch's inputs: every fetch those inputs come from.
    feeding: Vec<BTreeSet<usize>>,
}

/// Plans `operation` over `supergraph`.
pub fn plan(supergraph: &Supergraph, operation: &Operation) -> Result<QueryPlan, PlanError> {
    let mut planner = Planner {
        sg: supergraph,
        groups: Vec::new(),
        visiting: Vec::new(),
        feeding: Vec::new(),
    };
    planner.plan_root(operation)?;
    Ok(planner.into_plan(operation))
}

fn is_introspection(field: &Field) -> bool {
    field.name.starts_with("__")
}

impl Planner<'_> {
    fn plan_root(&mut self, op: &Operation) -> Result<(), PlanError> {
        let root = &op.root_type;
        let fields = root_fields(&op.selection, root);
        let mut last_root: Option<usize> = None;
        for field in fields {
            if is_introspection(field) {
                continue;
            }
            let sources: Vec<FieldSource> = self
                .sg
                .field_sources(root, &field.name)
                .into_iter()
                .filter(|s| !s.external && !s.overridden)
                .collect();
            let unreachable = || PlanError::Unreachable {
                ty: root.to_string(),
                field: field.name.to_string(),
            };
            let gid = match op.kind {
                OperationType::Mutation => {
                    // Mutations run in document order: a new fetch whenever the subgraph changes.
                    let current = last_root.map(|g| self.groups[g].graph);
                    let source = sources
                        .iter()
                        .find(|s| Some(s.graph) == current)
                        .or_else(|| sources.first())
                        .ok_or_else(unreachable)?;
                    match last_root.filter(|&g| self.groups[g].graph == source.graph) {
                        Some(g) => g,
                        None => {
                            let deps = (0..self.groups.len()).collect();
                            self.new_group(source.graph, op.kind, false, Vec::new(), deps)
                        }
                    }
                }
                _ => {
                    let existing = |groups: &[Group], graph: GraphId| {
                        groups
                            .iter()
                            .position(|g| !g.entity && g.path.is_empty() && g.graph == graph)
                    };
                    // Prefer a subgraph that answers the whole field itself; otherwise the
                    // one whose plan needs the fewest fetches (tried, then undone).
                    let mut best: Option<((bool, bool, usize), usize)> = None;
                    for (i, s) in sources.iter().enumerate() {
                        let provided = s.provides.as_ref().map(from_field_set);
                        let whole = field.selection.as_ref().is_none_or(|set| {
                            self.fields_local_provided(
                                s.graph,
                                field.ty.inner_named_type(),
                                set,
                                provided.as_ref(),
                            )
                        });
                        let cost = if whole || sources.len() == 1 {
                            (!whole, existing(&self.groups, s.graph).is_none(), 0)
                        } else {
                            let (complete, fetches) = self.trial_cost(op, root, field, s);
                            let asked = existing(&self.groups, s.graph).is_some();
                            (!complete, !asked, fetches)
                        };
                        if best.as_ref().is_none_or(|(c, _)| cost < *c) {
                            best = Some((cost, i));
                        }
                    }
                    let source = &sources[best.ok_or_else(unreachable)?.1];
                    match existing(&self.groups, source.graph) {
                        Some(g) => g,
                        None => self.new_group(
                            source.graph,
                            op.kind,
                            false,
                            Vec::new(),
                            BTreeSet::new(),
                        ),
                    }
                }
            };
            last_root = Some(gid);
            let graph = self.groups[gid].graph;
            let source = sources.iter().find(|s| s.graph == graph).cloned();
            let (sels, failed) = self.plan_field(gid, root, &[], field, source.as_ref())?;
            merge(&mut self.groups[gid].selections, sels);
            if let Some(rest) = failed {
                // A shared root field: what this subgraph cannot answer, another may. Not for
                // mutations (they must run once), nor abstract results, whose runtime type
                // decides which subgraph may answer.
                if op.kind == OperationType::Mutation
                    || self.sg.is_abstract(field.ty.inner_named_type())
                {
                    return Err(unreachable());
                }
                self.plan_root_remainder(op, root, &rest, &sources, vec![graph])?;
            }
        }
        Ok(())
    }

    /// Plans `field` from `source`'s subgraph, measures the result (whether it is complete,
    /// how many fetches it takes), and undoes it.
    fn trial_cost(
        &mut self,
        op: &Operation,
        root: &Name,
        field: &Field,
        source: &FieldSource,
    ) -> (bool, usize) {
        let snapshot = self.groups.clone();
        let gid = match self
            .groups
            .iter()
            .position(|g| !g.entity && g.path.is_empty() && g.graph == source.graph)
        {
            Some(g) => g,
            None => self.new_group(source.graph, op.kind, false, Vec::new(), BTreeSet::new()),
        };
        let result = self.plan_field(gid, root, &[], field, Some(source));
        let (complete, local) = match &result {
            Ok((sels, None)) => (true, count_leaves(sels)),
            _ => (false, 0),
        };
        let fetches = self.groups.len();
        self.restore(snapshot);
        // Among equally many fetches, prefer the subgraph that answers more itself.
        (complete, fetches * 10_000 - local.min(9_999))
    }

    /// Plans what one subgraph could not answer of a shared root field in the others.
    fn plan_root_remainder(
        &mut self,
        op: &Operation,
        root: &Name,
        field: &Field,
        sources: &[FieldSource],
        mut tried: Vec<GraphId>,
    ) -> Result<(), PlanError> {
        let Some(source) = sources.iter().find(|s| !tried.contains(&s.graph)).cloned() else {
            return Err(PlanError::Unreachable {
                ty: root.to_string(),
                field: field.name.to_string(),
            });
        };
        tried.push(source.graph);
        let existing = self
            .groups
            .iter()
            .position(|g| !g.entity && g.path.is_empty() && g.graph == source.graph);
        let gid = match existing {
            Some(g) => g,
            None => self.new_group(source.graph, op.kind, false, Vec::new(), BTreeSet::new()),
        };
        let (sels, failed) = self.plan_field(gid, root, &[], field, Some(&source))?;
        merge(&mut self.groups[gid].selections, sels);
        match failed {
            Some(rest) => self.plan_root_remainder(op, root, &rest, sources, tried),
            None => Ok(()),
        }
    }

    fn new_group(
        &mut self,
        graph: GraphId,
        kind: OperationType,
        entity: bool,
        path: Vec<PathStep>,
        deps: BTreeSet<usize>,
    ) -> usize {
        self.groups.push(Group {
            graph,
            kind,
            entity,
            path,
            selections: Vec::new(),
            requires: Vec::new(),
            deps,
            renames: Vec::new(),
        });
        self.groups.len() - 1
    }

    /// One field resolved in group `gid`, with its sub-selections planned. Also returns the
    /// field restricted to the sub-selections group `gid` could not reach, if any.
    fn plan_field(
        &mut self,
        gid: usize,
        parent: &Name,
        path: &[PathStep],
        field: &Field,
        source: Option<&FieldSource>,
    ) -> Result<(Vec<Sel>, Option<Field>), PlanError> {
        let provided = source.and_then(|s| s.provides.as_ref()).map(from_field_set);
        self.plan_field_with(gid, parent, path, field, provided.as_ref())
    }

    fn plan_field_with(
        &mut self,
        gid: usize,
        parent: &Name,
        path: &[PathStep],
        field: &Field,
        provided: Option<&SelectionSet>,
    ) -> Result<(Vec<Sel>, Option<Field>), PlanError> {
        let (selections, failed) = match &field.selection {
            Some(set) => {
                let mut child_path = path.to_vec();
                child_path.push(PathStep::Key(field.response_key().clone()));
                child_path.extend(std::iter::repeat_n(PathStep::List, list_depth(&field.ty)));
                // A subgraph may type the field more narrowly (`Book` where the supergraph
                // says `Media`): plan against what the subgraph accepts.
                let graph = self.groups[gid].graph;
                let declared = self.field_type_in_graph(parent, &field.name, graph);
                let named = declared.trim_matches(|c| c == '[' || c == ']' || c == '!');
                let ty = match self.sg.schema.types.get_key_value(named) {
                    Some((name, _)) => name.clone(),
                    None => field.ty.inner_named_type().clone(),
                };
                let (mut sels, failed) =
                    self.plan_set(gid, &ty, &child_path, &set.items, provided)?;
                if self.sg.is_abstract(field.ty.inner_named_type()) && !self.sg.is_abstract(&ty) {
                    // The response is shaped by runtime type: ask for it.
                    merge(&mut sels, vec![Sel::typename()]);
                }
                (sels, failed)
            }
            None => (Vec::new(), Vec::new()),
        };
        let remainder = (!failed.is_empty()).then(|| Field {
            selection: Some(SelectionSet {
                ty: field.ty.inner_named_type().clone(),
                items: failed,
            }),
            ..field.clone()
        });
        if remainder.is_some()
            && selections
                .iter()
                .all(|s| matches!(s, Sel::Field { name, .. } if name == "__typename"))
        {
            return Ok((Vec::new(), remainder));
        }
        Ok((
            vec![Sel::Field {
                alias: field.alias.clone(),
                name: field.name.clone(),
                arguments: field.arguments.clone(),
                selections,
            }],
            remainder,
        ))
    }

    /// Plans `items` selected on `ty` at `path` inside group `gid`; returns what the group
    /// itself selects there, and the items no subgraph could be reached for from here (the
    /// caller may re-fetch the parent elsewhere for those).
    fn plan_set(
        &mut self,
        gid: usize,
        ty: &Name,
        path: &[PathStep],
        items: &[Selection],
        provided: Option<&SelectionSet>,
    ) -> Result<(Vec<Sel>, Vec<Selection>), PlanError> {
        let graph = self.groups[gid].graph;
        let interface_object = self
            .sg
            .type_in_graph(ty, graph)
            .is_some_and(|t| t.interface_object);
        if self.sg.is_abstract(ty) && !interface_object {
            let mut out = vec![Sel::typename()];
            let mut failed = Vec::new();
            let mut seen_types: HashMap<Name, String> = HashMap::new();
            let concretes = self.sg.possible_types_in_graph(ty, graph);
            if concretes.is_empty() {
                // The subgraph has no implementation to return: interface fields must come
                // from elsewhere, by the interface's own keys.
                for item in items {
                    if let Selection::Field(field) = item {
                        if field.is_typename() {
                            continue;
                        }
                        if self.local_source(graph, ty, field, provided).is_some() {
                            let (sels, _) = self.plan_field_with(gid, ty, path, field, None)?;
                            merge(&mut out, sels);
                            continue;
                        }
                        match self.jump(gid, ty, path, field, true) {
                            Ok(local) => merge(&mut out, local),
                            Err(_) => failed.push(item.clone()),
                        }
                    }
                }
            }
            for concrete in concretes {
                let applicable: Vec<Selection> = items
                    .iter()
                    .filter(|item| match item {
                        Selection::Field(_) => true,
                        Selection::Fragment { on, .. } => self.applies(on, &concrete),
                    })
                    .cloned()
                    .collect();
                if applicable
                    .iter()
                    .all(|i| matches!(i, Selection::Field(f) if f.is_typename()))
                {
                    continue;
                }
                let provided_here = provided.map(|p| provided_for(self.sg, p, &concrete));
                let (mut sub, sub_failed) =
                    self.plan_set(gid, &concrete, path, &applicable, provided_here.as_ref())?;
                self.alias_type_conflicts(gid, &concrete, &mut sub, &mut seen_types);
                if !sub.is_empty() {
                    merge(
                        &mut out,
                        vec![Sel::Fragment {
                            on: concrete.clone(),
                            selections: sub,
                        }],
                    );
                }
                if !sub_failed.is_empty() {
                    failed.push(Selection::Fragment {
                        on: concrete.clone(),
                        selection: SelectionSet {
                            ty: concrete,
                            items: sub_failed,
                        },
                    });
                }
            }
            return Ok((out, failed));
        }

        let mut out = Vec::new();
        let mut failed = Vec::new();
        // An `@interfaceObject` does not know its implementations: its real `__typename` and
        // fragments on implementations come from a subgraph that does.
        let mut needs_real_type = Vec::new();
        for item in items {
            match item {
                Selection::Field(field) if interface_object && field.is_typename() => {
                    needs_real_type.push(item.clone());
                }
                Selection::Fragment { on, .. } if interface_object && on != ty => {
                    needs_real_type.push(item.clone());
                }
                Selection::Fragment { on, selection } => {
                    if self.applies(on, ty) {
                        let (sub, sub_failed) =
                            self.plan_set(gid, ty, path, &selection.items, provided)?;
                        merge(&mut out, sub);
                        failed.extend(sub_failed);
                    }
                }
                Selection::Field(field) if field.is_typename() => merge(
                    &mut out,
                    vec![Sel::Field {
                        alias: field.alias.clone(),
                        name: field.name.clone(),
                        arguments: Vec::new(),
                        selections: Vec::new(),
                    }],
                ),
                Selection::Field(field) => match self.local_source(graph, ty, field, provided) {
                    Some(source) => {
                        let nested = provided.and_then(|p| provided_child(p, &field.name));
                        let provided_below = match &source.provides {
                            Some(p) => Some(from_field_set(p)),
                            None => nested,
                        };
                        let (sels, remainder) =
                            self.plan_field_with(gid, ty, path, field, provided_below.as_ref())?;
                        merge(&mut out, sels);
                        if let Some(rest) = remainder {
                            // Part of the field's selection is out of reach from this subgraph:
                            // fetch the field again where it is reachable.
                            match self.jump(gid, ty, path, &rest, true) {
                                Ok(local) => merge(&mut out, local),
                                Err(_) => failed.push(Selection::Field(rest)),
                            }
                        }
                    }
                    None => match self.jump(gid, ty, path, field, false) {
                        Ok(local) => merge(&mut out, local),
                        Err(_) => failed.push(Selection::Field(field.clone())),
                    },
                },
            }
        }
        if !needs_real_type.is_empty() {
            match self.jump_to_real_interface(gid, ty, path, &needs_real_type) {
                Ok(local) => merge(&mut out, local),
                Err(_) => failed.extend(needs_real_type),
            }
        }
        Ok((out, failed))
    }

    /// Sibling fragments may select one response key with types that differ in the
    /// subgraph (`ID` on one type, `ID!` on another), which the subgraph would reject as a
    /// conflict: such fields get an internal alias, undone when the response merges.
    fn alias_type_conflicts(
        &mut self,
        gid: usize,
        concrete: &Name,
        sels: &mut [Sel],
        seen: &mut HashMap<Name, String>,
    ) {
        let graph = self.groups[gid].graph;
        for sel in sels.iter_mut() {
            let Sel::Field { alias, name, .. } = sel else {
                continue;
            };
            if name == "__typename" {
                continue;
            }
            let key = alias.clone().unwrap_or_else(|| name.clone());
            let ty = self.field_type_in_graph(concrete, name, graph);
            match seen.get(&key) {
                Some(existing) if *existing != ty => {
                    let group = &mut self.groups[gid];
                    let internal =
                        Name::new_unchecked(&format!("mm__alias{}_{key}", group.renames.len()));
                    group.renames.push((internal.clone(), key));
                    *alias = Some(internal);
                }
                Some(_) => {}
                None => {
                    seen.insert(key, ty);
                }
            }
        }
    }

    /// How `graph` types `ty.field` (subgraphs may differ from the supergraph in nullability).
    fn field_type_in_graph(&self, ty: &Name, field: &Name, graph: GraphId) -> String {
        let declared = self
            .sg
            .field_sources(ty, field)
            .into_iter()
            .find(|s| s.graph == graph)
            .and_then(|s| s.type_in_graph);
        declared.unwrap_or_else(|| {
            self.sg
                .schema
                .type_field(ty, field)
                .map(|f| f.ty.to_string())
                .unwrap_or_default()
        })
    }

    /// The source through which `graph` itself can resolve `ty.field`, if any.
    fn local_source(
        &self,
        graph: GraphId,
        ty: &Name,
        field: &Field,
        provided: Option<&SelectionSet>,
    ) -> Option<FieldSource> {
        let source = self
            .sg
            .field_sources(ty, &field.name)
            .into_iter()
            .find(|s| s.graph == graph)?;
        if source.overridden || source.requires.is_some() {
            return None;
        }
        if source.external && !provided.is_some_and(|p| provided_child_exists(p, &field.name)) {
            return None;
        }
        Some(source)
    }

    /// Resolves `field` in another subgraph through an entity fetch. Returns what the current
    /// group must select (typename, key, required fields) to feed it.
    fn jump(
        &mut self,
        gid: usize,
        ty: &Name,
        path: &[PathStep],
        field: &Field,
        elsewhere: bool,
    ) -> Result<Vec<Sel>, PlanError> {
        let graph = self.groups[gid].graph;
        let mut candidates: Vec<FieldSource> = self
            .sg
            .field_sources(ty, &field.name)
            .into_iter()
            .filter(|s| !s.overridden && !s.external)
            .filter(|s| !(elsewhere && s.graph == graph))
            .filter(|s| {
                !self
                    .visiting
                    .contains(&(ty.clone(), s.graph, field.name.clone()))
            })
            .collect();
        // Prefer a subgraph already fetched at this path, then one reachable by a local key.
        candidates.sort_by_key(|s| {
            let shared = self
                .groups
                .iter()
                .any(|g| g.entity && g.graph == s.graph && g.path == path);
            let direct = self
                .target(graph, ty, s.graph)
                .is_some_and(|(_, local)| local);
            (!shared, !direct, s.graph)
        });
        let mut tried = Vec::new();
        self.jump_via(gid, ty, path, field, &candidates, &mut tried)
    }

    /// Where an entity of `ty` held by `from` can be fetched from `to`, and whether its key
    /// is local to `from`.
    fn target(&self, from: GraphId, ty: &Name, to: GraphId) -> Option<(EntityTarget, bool)> {
        let entity = self.sg.entity_type_in_graph(ty, to)?;
        let (key, local) = self.pick_key(from, ty, &entity, to)?;
        Some((
            EntityTarget {
                graph: to,
                ty: entity,
                key,
            },
            local,
        ))
    }

    /// Tries the candidates in order; a subgraph that answers only part of the field's
    /// selection is kept, and the rest goes to the remaining candidates.
    fn jump_via(
        &mut self,
        gid: usize,
        ty: &Name,
        path: &[PathStep],
        field: &Field,
        candidates: &[FieldSource],
        tried: &mut Vec<GraphId>,
    ) -> Result<Vec<Sel>, PlanError> {
        let graph = self.groups[gid].graph;
        for source in candidates {
            if tried.contains(&source.graph) {
                continue;
            }
            let Some((target, _)) = self.target(graph, ty, source.graph) else {
                continue;
            };
            let snapshot = self.groups.clone();
            self.visiting
                .push((ty.clone(), source.graph, field.name.clone()));
            let result = self.feed_entity_fetch(gid, ty, path, field, source, &target);
            self.visiting.pop();
            match result {
                Ok((local, None)) => return Ok(local),
                Ok((mut local, Some(rest))) => {
                    tried.push(source.graph);
                    match self.jump_via(gid, ty, path, &rest, candidates, tried) {
                        Ok(more) => {
                            merge(&mut local, more);
                            return Ok(local);
                        }
                        Err(_) => self.restore(snapshot),
                    }
                }
                Err(_) => self.restore(snapshot),
            }
        }
        Err(PlanError::Unreachable {
            ty: ty.to_string(),
            field: field.name.to_string(),
        })
    }

    fn feed_entity_fetch(
        &mut self,
        gid: usize,
        ty: &Name,
        path: &[PathStep],
        field: &Field,
        source: &FieldSource,
        target: &EntityTarget,
    ) -> Result<(Vec<Sel>, Option<Field>), PlanError> {
        self.feeding.push(BTreeSet::new());
        let inputs = self.plan_entity_inputs(gid, ty, path, field, source, &target.key);
        let mut deps = self.feeding.pop().unwrap_or_default();
        let (local, representation) = inputs?;
        deps.insert(gid);
        let representation = vec![Sel::Fragment {
            on: target.ty.clone(),
            selections: representation,
        }];
        let group = self.entity_group(target.graph, path, deps, &representation);
        merge(&mut self.groups[group].requires, representation);
        let (field_sels, remainder) =
            self.plan_field(group, &target.ty, path, field, Some(source))?;
        if field_sels.is_empty() {
            return Err(PlanError::Unreachable {
                ty: ty.to_string(),
                field: field.name.to_string(),
            });
        }
        merge(
            &mut self.groups[group].selections,
            vec![Sel::Fragment {
                on: target.ty.clone(),
                selections: field_sels,
            }],
        );
        Ok((local, remainder))
    }

    /// Plans, in group `gid`, what an entity fetch of `field` needs: typename, key and
    /// `@requires` fields. Returns the group's selections and the representation shape.
    fn plan_entity_inputs(
        &mut self,
        gid: usize,
        ty: &Name,
        path: &[PathStep],
        field: &Field,
        source: &FieldSource,
        key: &Key,
    ) -> Result<(Vec<Sel>, Vec<Sel>), PlanError> {
        let key_set = from_field_set(&key.fields);
        let mut local = vec![Sel::typename()];
        let unreachable = || PlanError::Unreachable {
            ty: ty.to_string(),
            field: field.name.to_string(),
        };
        let (key_sels, key_failed) = self.plan_set(gid, ty, path, &key_set.items, None)?;
        if !key_failed.is_empty() {
            return Err(unreachable());
        }
        merge(&mut local, key_sels);
        let mut representation = vec![Sel::typename()];
        merge(&mut representation, to_sels(&key_set.items));
        if let Some(requires) = &source.requires {
            // Required fields with arguments get an alias of their own, so they cannot clash
            // with the same field the client selected with other arguments.
            let required = alias_fields_with_arguments(from_field_set(requires));
            let (required_sels, required_failed) =
                self.plan_set(gid, ty, path, &required.items, None)?;
            if !required_failed.is_empty() {
                return Err(unreachable());
            }
            merge(&mut local, required_sels);
            merge(&mut representation, to_sels(&required.items));
        }
        Ok((local, representation))
    }

    /// Resolves `items` of an `@interfaceObject` value (its real `__typename`, fragments on
    /// implementations) in a subgraph that knows the interface as a real entity interface.
    fn jump_to_real_interface(
        &mut self,
        gid: usize,
        interface: &Name,
        path: &[PathStep],
        items: &[Selection],
    ) -> Result<Vec<Sel>, PlanError> {
        let graph = self.groups[gid].graph;
        let candidates: Vec<GraphId> = self
            .sg
            .type_meta(interface)
            .map(|m| {
                m.graphs
                    .iter()
                    .filter(|(_, t)| !t.interface_object)
                    .map(|(g, _)| *g)
                    .collect()
            })
            .unwrap_or_default();
        for candidate in candidates {
            let Some((key, _)) = self.pick_key(graph, interface, interface, candidate) else {
                continue;
            };
            let snapshot = self.groups.clone();
            let key_set = from_field_set(&key.fields);
            self.feeding.push(BTreeSet::new());
            let inputs = self.plan_set(gid, interface, path, &key_set.items, None);
            let mut deps = self.feeding.pop().unwrap_or_default();
            let key_sels = match inputs {
                Ok((key_sels, key_failed)) if key_failed.is_empty() => key_sels,
                _ => {
                    self.restore(snapshot);
                    continue;
                }
            };
            deps.insert(gid);
            let mut representation = vec![Sel::typename()];
            merge(&mut representation, to_sels(&key_set.items));
            let representation = vec![Sel::Fragment {
                on: interface.clone(),
                selections: representation,
            }];
            let group = self.entity_group(candidate, path, deps, &representation);
            merge(&mut self.groups[group].requires, representation);
            let mut wanted = items.to_vec();
            wanted.push(typename_selection());
            match self.plan_set(group, interface, path, &wanted, None) {
                Ok((sels, failed)) if failed.is_empty() => {
                    merge(
                        &mut self.groups[group].selections,
                        vec![Sel::Fragment {
                            on: interface.clone(),
                            selections: sels,
                        }],
                    );
                    let mut local = vec![Sel::typename()];
                    merge(&mut local, key_sels);
                    return Ok(local);
                }
                _ => self.restore(snapshot),
            }
        }
        Err(PlanError::Unreachable {
            ty: interface.to_string(),
            field: "__typename".into(),
        })
    }

    /// A resolvable key of `entity` (the type `ty` goes by in `to`), preferring one whose
    /// fields `from` has itself. The flag says whether the key is local to `from`.
    fn pick_key(
        &self,
        from: GraphId,
        ty: &Name,
        entity: &Name,
        to: GraphId,
    ) -> Option<(Key, bool)> {
        let keys: Vec<Key> = self
            .sg
            .type_in_graph(entity, to)?
            .keys
            .iter()
            .filter(|k| k.resolvable)
            .cloned()
            .collect();
        let local = keys
            .iter()
            .find(|k| self.fields_local(from, ty, &from_field_set(&k.fields)));
        match local {
            Some(k) => Some((k.clone(), true)),
            None => keys.into_iter().next().map(|k| (k, false)),
        }
    }

    fn fields_local(&self, graph: GraphId, ty: &Name, set: &SelectionSet) -> bool {
        self.fields_local_provided(graph, ty, set, None)
    }

    /// Whether `graph` resolves all of `set` on `ty` itself, counting what an enclosing
    /// `@provides` covers.
    fn fields_local_provided(
        &self,
        graph: GraphId,
        ty: &Name,
        set: &SelectionSet,
        provided: Option<&SelectionSet>,
    ) -> bool {
        let interface_object = self
            .sg
            .type_in_graph(ty, graph)
            .is_some_and(|t| t.interface_object);
        if self.sg.is_abstract(ty) && !interface_object {
            // Local only if every type the subgraph can return has the fields.
            return self
                .sg
                .possible_types_in_graph(ty, graph)
                .iter()
                .all(|concrete| {
                    let applicable = SelectionSet {
                        ty: concrete.clone(),
                        items: set
                            .items
                            .iter()
                            .filter(|item| match item {
                                Selection::Field(_) => true,
                                Selection::Fragment { on, .. } => self.applies(on, concrete),
                            })
                            .cloned()
                            .collect(),
                    };
                    let provided_here = provided.map(|p| provided_for(self.sg, p, concrete));
                    self.fields_local_provided(graph, concrete, &applicable, provided_here.as_ref())
                });
        }
        set.items.iter().all(|item| match item {
            Selection::Field(f) if f.is_typename() => true,
            Selection::Field(f) => {
                let Some(source) = self.local_source(graph, ty, f, provided) else {
                    return false;
                };
                let below = match &source.provides {
                    Some(p) => Some(from_field_set(p)),
                    None => provided.and_then(|p| provided_child(p, &f.name)),
                };
                f.selection.as_ref().is_none_or(|sub| {
                    self.fields_local_provided(graph, f.ty.inner_named_type(), sub, below.as_ref())
                })
            }
            Selection::Fragment { on, selection } => {
                !self.applies(on, ty) || self.fields_local_provided(graph, ty, selection, provided)
            }
        })
    }

    /// Undoes a failed attempt.
    fn restore(&mut self, snapshot: Vec<Group>) {
        self.groups = snapshot;
        let n = self.groups.len();
        for feeding in &mut self.feeding {
            feeding.retain(|&g| g < n);
        }
    }

    /// The entity fetch for `graph` at `path`, shared when that creates no cycle.
    /// A fetch cannot be shared when the representations would need one field twice with
    /// different arguments (`price(currency: "USD")` and `price(currency: "EUR")`).
    fn entity_group(
        &mut self,
        graph: GraphId,
        path: &[PathStep],
        deps: BTreeSet<usize>,
        representation: &[Sel],
    ) -> usize {
        let reusable = (0..self.groups.len()).find(|&g| {
            let group = &self.groups[g];
            group.entity
                && group.graph == graph
                && group.path == path
                && !argument_clash(&group.requires, representation)
                && !deps.iter().any(|&d| d == g || self.depends_on(d, g))
        });
        let group = match reusable {
            Some(g) => {
                self.groups[g].deps.extend(deps);
                g
            }
            None => self.new_group(graph, OperationType::Query, true, path.to_vec(), deps),
        };
        for feeding in &mut self.feeding {
            feeding.insert(group);
        }
        group
    }

    /// Whether group `a` (transitively) waits for group `b`.
    fn depends_on(&self, a: usize, b: usize) -> bool {
        let mut stack = vec![a];
        let mut seen = BTreeSet::new();
        while let Some(g) = stack.pop() {
            if !seen.insert(g) {
                continue;
            }
            for &d in &self.groups[g].deps {
                if d == b {
                    return true;
                }
                stack.push(d);
            }
        }
        false
    }

    fn applies(&self, on: &Name, ty: &Name) -> bool {
        on == ty || self.sg.schema.is_subtype(on, ty)
    }

    fn into_plan(self, op: &Operation) -> QueryPlan {
        let n = self.groups.len();
        let mut level = vec![0usize; n];
        // Longest path from the roots; deps are acyclic by construction.
        for _ in 0..n {
            let mut changed = false;
            for g in 0..n {
                let want = self.groups[g]
                    .deps
                    .iter()
                    .map(|&d| level[d] + 1)
                    .max()
                    .unwrap_or(0);
                if want > level[g] {
                    level[g] = want;
                    changed = true;
                }
            }
            if !changed {
                break;
            }
        }
        let depth = level.iter().copied().max().map_or(0, |m| m + 1);
        let mut stages: Vec<Vec<PlanNode>> = vec![Vec::new(); depth];
        for (g, group) in self.groups.iter().enumerate() {
            if group.selections.is_empty() {
                continue;
            }
            stages[level[g]].push(PlanNode::Fetch(Box::new(self.fetch_node(group, op))));
        }
        let mut steps: Vec<PlanNode> = stages
            .into_iter()
            .filter(|s| !s.is_empty())
            .map(|mut s| {
                if s.len() == 1 {
                    s.remove(0)
                } else {
                    PlanNode::Parallel(s)
                }
            })
            .collect();
        let root = match steps.len() {
            0 => None,
            1 => steps.pop(),
            _ => Some(PlanNode::Sequence(steps)),
        };
        QueryPlan { root }
    }

    fn fetch_node(&self, group: &Group, op: &Operation) -> FetchNode {
        let mut used = BTreeSet::new();
        variables_used(&group.selections, &mut used);
        let definitions: Vec<String> = op
            .variables
            .iter()
            .filter(|v| used.contains(&v.name))
            .map(|v| match &v.default_value {
                // Keep the default: a defaulted nullable variable may fill a non-null argument.
                Some(default) => format!("${}: {} = {}", v.name, v.ty, default),
                None => format!("${}: {}", v.name, v.ty),
            })
            .collect();
        let keyword = match group.kind {
            OperationType::Query => "query",
            OperationType::Mutation => "mutation",
            OperationType::Subscription => "subscription",
        };
        let operation = if group.entity {
            let mut defs = vec!["$representations: [_Any!]!".to_owned()];
            defs.extend(definitions);
            format!(
                "query({}) {{ _entities(representations: $representations) {} }}",
                defs.join(", "),
                print(&group.selections)
            )
        } else if definitions.is_empty() {
            format!("{keyword} {}", print(&group.selections))
        } else {
            format!(
                "{keyword}({}) {}",
                definitions.join(", "),
                print(&group.selections)
            )
        };
        let subgraph = &self.sg.subgraphs[group.graph];
        FetchNode {
            graph: group.graph,
            subgraph: subgraph.name.clone(),
            kind: group.kind,
            path: group.path.clone(),
            requires: group.entity.then(|| group.requires.clone()),
            selections: group.selections.clone(),
            operation,
            variables: used.into_iter().collect(),
            renames: group.renames.clone(),
            interface_objects: group
                .requires
                .iter()
                .filter_map(|s| match s {
                    Sel::Fragment { on, .. }
                        if self
                            .sg
                            .type_in_graph(on, group.graph)
                            .is_some_and(|t| t.interface_object) =>
                    {
                        Some(on.clone())
                    }
                    _ => None,
                })
                .collect(),
        }
    }
}

/// A small stable hash (FNV-1a), for internal alias names that must not change between
/// builds.
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |hash, b| {
        (hash ^ u64::from(*b)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

/// Whether `a` and `b` select one field name with different arguments anywhere.
fn argument_clash(a: &[Sel], b: &[Sel]) -> bool {
    a.iter().any(|x| {
        b.iter().any(|y| match (x, y) {
            (
                Sel::Field {
                    name: n1,
                    arguments: a1,
                    selections: s1,
                    ..
                },
                Sel::Field {
                    name: n2,
                    arguments: a2,
                    selections: s2,
                    ..
                },
            ) => n1 == n2 && (a1 != a2 || argument_clash(s1, s2)),
            (
                Sel::Fragment {
                    on: o1,
                    selections: s1,
                },
                Sel::Fragment {
                    on: o2,
                    selections: s2,
                },
            ) => o1 == o2 && argument_clash(s1, s2),
            _ => false,
        })
    })
}

fn count_leaves(sels: &[Sel]) -> usize {
    sels.iter()
        .map(|s| match s {
            Sel::Field { selections, .. } if selections.is_empty() => 1,
            Sel::Field { selections, .. } | Sel::Fragment { selections, .. } => {
                count_leaves(selections)
            }
        })
        .sum()
}

/// The root fields in document order, fragments on the root type flattened.
fn root_fields<'s>(set: &'s SelectionSet, root: &Name) -> Vec<&'s Field> {
    let mut fields = Vec::new();
    for item in &set.items {
        match item {
            Selection::Field(f) => fields.push(f),
            Selection::Fragment { on, selection } if on == root => {
                fields.extend(root_fields(selection, root))
            }
            Selection::Fragment { .. } => {}
        }
    }
    fields
}

fn list_depth(ty: &apollo_compiler::ast::Type) -> usize {
    use apollo_compiler::ast::Type;
    match ty {
        Type::Named(_) | Type::NonNullNamed(_) => 0,
        Type::List(inner) | Type::NonNullList(inner) => 1 + list_depth(inner),
    }
}

/// A field set as plain selections (no planning: for representations).
fn to_sels(items: &[Selection]) -> Vec<Sel> {
    items
        .iter()
        .map(|item| match item {
            Selection::Field(f) => Sel::Field {
                alias: f.alias.clone(),
                name: f.name.clone(),
                arguments: f.arguments.clone(),
                selections: f
                    .selection
                    .as_ref()
                    .map(|s| to_sels(&s.items))
                    .unwrap_or_default(),
            },
            Selection::Fragment { on, selection } => Sel::Fragment {
                on: on.clone(),
                selections: to_sels(&selection.items),
            },
        })
        .collect()
}

fn alias_fields_with_arguments(mut set: SelectionSet) -> SelectionSet {
    for item in &mut set.items {
        match item {
            Selection::Field(f) => {
                if !f.arguments.is_empty() && f.alias.is_none() {
                    let printed: Vec<String> = f
                        .arguments
                        .iter()
                        .map(|a| format!("{}:{}", a.name, a.value))
                        .collect();
                    let hash = fnv1a(printed.join(",").as_bytes());
                    f.alias = Some(Name::new_unchecked(&format!(
                        "{}__required_{:x}",
                        f.name,
                        hash & 0xffff_ffff
                    )));
                }
                if let Some(sub) = f.selection.take() {
                    f.selection = Some(alias_fields_with_arguments(sub));
                }
            }
            Selection::Fragment { selection, .. } => {
                *selection = alias_fields_with_arguments(std::mem::replace(
                    selection,
                    SelectionSet {
                        ty: selection.ty.clone(),
                        items: Vec::new(),
                    },
                ));
            }
        }
    }
    set
}

fn provided_child_exists(provided: &SelectionSet, name: &str) -> bool {
    provided.items.iter().any(|item| match item {
        Selection::Field(f) => f.name == name,
        Selection::Fragment { selection, .. } => provided_child_exists(selection, name),
    })
}

/// What `@provides` covers below field `name`.
fn provided_child(provided: &SelectionSet, name: &str) -> Option<SelectionSet> {
    let mut found: Option<SelectionSet> = None;
    for item in &provided.items {
        match item {
            Selection::Field(f) if f.name == name => {
                if let Some(sub) = &f.selection {
                    match &mut found {
                        Some(existing) => existing.items.extend(sub.items.clone()),
                        None => found = Some(sub.clone()),
                    }
                }
            }
            Selection::Fragment { selection, .. } => {
                if let Some(sub) = provided_child(selection, name) {
                    match &mut found {
                        Some(existing) => existing.items.extend(sub.items),
                        None => found = Some(sub),
                    }
                }
            }
            _ => {}
        }
    }
    found
}

/// What `@provides` covers for objects of type `concrete`.
fn provided_for(sg: &Supergraph, provided: &SelectionSet, concrete: &Name) -> SelectionSet {
    let mut items = Vec::new();
    for item in &provided.items {
        match item {
            Selection::Field(_) => items.push(item.clone()),
            Selection::Fragment { on, selection }
                if on == concrete || sg.schema.is_subtype(on, concrete) =>
            {
                items.extend(provided_for(sg, selection, concrete).items)
            }
            Selection::Fragment { .. } => {}
        }
    }
    SelectionSet {
        ty: concrete.clone(),
        items,
    }
}
