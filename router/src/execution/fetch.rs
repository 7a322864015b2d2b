//! Walking the plan: preparing each fetch from the data so far, sending it, merging results
//! and mapping subgraph errors to response paths.

use std::collections::HashMap;

use apollo_compiler::ast::OperationType;
use futures::future::{BoxFuture, join_all};
use reqwest::header::HeaderMap;
use serde_json::{Map, Value, json};

use super::answers::AnswerCache;
use super::batch;
use super::client::{FetchError, SubgraphClient, SubgraphRequest};
use super::inflight::Inflight;
use super::json_path::{JsonPath, Step, get_mut, merge, to_json};
use super::replicas::Replicas;
use crate::planner::{FetchNode, PathStep, PlanNode, QueryPlan, Sel};
use crate::supergraph::Supergraph;

/// What a plan runs with.
pub struct ExecutionContext<'a> {
    pub supergraph: &'a Supergraph,
    pub client: &'a SubgraphClient,
    /// Each subgraph's replicas, by graph id.
    pub replicas: &'a [Replicas],
    pub answers: &'a AnswerCache,
    /// Shares identical subgraph queries in flight; `None` when switched off.
    pub inflight: Option<&'a Inflight>,
    pub variables: &'a Map<String, Value>,
    pub headers: &'a HeaderMap,
}

/// Runs `plan`; returns the merged data tree and the errors met on the way.
pub async fn execute_plan(ctx: &ExecutionContext<'_>, plan: &QueryPlan) -> (Value, Vec<Value>) {
    let mut data = Value::Object(Map::new());
    let mut errors = Vec::new();
    if let Some(root) = &plan.root {
        run(ctx, root, &mut data, &mut errors).await;
    }
    (data, errors)
}

fn run<'a>(
    ctx: &'a ExecutionContext<'a>,
    node: &'a PlanNode,
    data: &'a mut Value,
    errors: &'a mut Vec<Value>,
) -> BoxFuture<'a, ()> {
    Box::pin(async move {
        match node {
            PlanNode::Sequence(children) => {
                for child in children {
                    run(ctx, child, data, errors).await;
                }
            }
            PlanNode::Parallel(children) => {
                let fetches: Vec<&FetchNode> = children
                    .iter()
                    .filter_map(|c| match c {
                        PlanNode::Fetch(f) => Some(f.as_ref()),
                        _ => None,
                    })
                    .collect();
                if fetches.len() != children.len() {
                    for child in children {
                        run(ctx, child, data, errors).await;
                    }
                    return;
                }
                let prepared: Vec<_> = fetches
                    .iter()
                    .filter_map(|f| prepare(ctx, f, data))
                    .collect();
                let requests = batch::group(&prepared);
                let responses = join_all(
                    requests
                        .iter()
                        .map(|members| send_group(ctx, &prepared, members)),
                )
                .await;
                let mut by_fetch: Vec<Option<Result<Value, FetchError>>> =
                    prepared.iter().map(|_| None).collect();
                for (members, responses) in requests.iter().zip(responses) {
                    for (&i, response) in members.iter().zip(responses) {
                        by_fetch[i] = Some(response);
                    }
                }
                // Merged in plan order, whatever order the answers came in.
                for (p, response) in prepared.iter().zip(by_fetch) {
                    if let Some(response) = response {
                        apply(ctx, p, response, data, errors);
                    }
                }
            }
            PlanNode::Fetch(fetch) => {
                if let Some(p) = prepare(ctx, fetch, data) {
                    let response = send(ctx, &p).await;
                    apply(ctx, &p, response, data, errors);
                }
            }
        }
    })
}

pub(super) struct Prepared<'n> {
    pub(super) node: &'n FetchNode,
    pub(super) variables: Map<String, Value>,
    /// For entity fetches: for each representation, the objects it stands for.
    targets: Vec<Vec<JsonPath>>,
}

fn prepare<'n>(
    ctx: &ExecutionContext<'_>,
    node: &'n FetchNode,
    data: &Value,
) -> Option<Prepared<'n>> {
    let mut variables: Map<String, Value> = node
        .variables
        .iter()
        .filter_map(|name| {
            ctx.variables
                .get(name.as_str())
                .map(|v| (name.to_string(), v.clone()))
        })
        .collect();
    let Some(requires) = &node.requires else {
        return Some(Prepared {
            node,
            variables,
            targets: Vec::new(),
        });
    };
    let mut objects = Vec::new();
    collect(data, &node.path, &mut Vec::new(), &mut objects);
    let mut representations: Vec<Value> = Vec::new();
    let mut targets: Vec<Vec<JsonPath>> = Vec::new();
    let mut index: HashMap<String, usize> = HashMap::new();
    for (path, object) in objects {
        let Some(representation) = represent(ctx.supergraph, node, requires, object) else {
            continue;
        };
        let key = representation.to_string();
        match index.get(&key) {
            Some(&i) => targets[i].push(path),
            None => {
                index.insert(key, representations.len());
                representations.push(representation);
                targets.push(vec![path]);
            }
        }
    }
    if representations.is_empty() {
        return None;
    }
    variables.insert("representations".into(), Value::Array(representations));
    Some(Prepared {
        node,
        variables,
        targets,
    })
}

/// The objects found at `path` in `value`, with their addresses.
fn collect<'v>(
    value: &'v Value,
    path: &[PathStep],
    at: &mut JsonPath,
    out: &mut Vec<(JsonPath, &'v Value)>,
) {
    match path.split_first() {
        None => match value {
            Value::Object(_) => out.push((at.clone(), value)),
            // A list at the end of the path (a field whose list depth the plan did not spell out).
            Value::Array(items) => {
                for (i, item) in items.iter().enumerate() {
                    at.push(Step::Index(i));
                    collect(item, path, at, out);
                    at.pop();
                }
            }
            _ => {}
        },
        Some((PathStep::Key(key), rest)) => {
            if let Some(child) = value.as_object().and_then(|o| o.get(key.as_str())) {
                at.push(Step::Key(key.to_string()));
                collect(child, rest, at, out);
                at.pop();
            }
        }
        Some((PathStep::List, rest)) => {
            if let Value::Array(items) = value {
                for (i, item) in items.iter().enumerate() {
                    at.push(Step::Index(i));
                    collect(item, rest, at, out);
                    at.pop();
                }
            }
        }
    }
}

/// The representation of `object` for an entity fetch, if it has everything the fetch needs.
fn represent(sg: &Supergraph, node: &FetchNode, requires: &[Sel], object: &Value) -> Option<Value> {
    let typename = object.get("__typename").and_then(Value::as_str)?;
    for sel in requires {
        let Sel::Fragment { on, selections } = sel else {
            continue;
        };
        if on != typename && !sg.schema.is_subtype(on, typename) {
            continue;
        }
        let mut representation = extract(sg, object, selections)?;
        let shown = if node.interface_objects.contains(on) {
            on.as_str()
        } else {
            typename
        };
        representation
            .as_object_mut()?
            .insert("__typename".into(), Value::String(shown.to_owned()));
        return Some(representation);
    }
    None
}

/// The part of `value` that `selections` name, keyed by field name as representations are.
/// Nested objects keep their `__typename` so subgraphs can resolve abstract types.
fn extract(sg: &Supergraph, value: &Value, selections: &[Sel]) -> Option<Value> {
    match value {
        Value::Array(items) => items
            .iter()
            .map(|i| extract(sg, i, selections))
            .collect::<Option<Vec<_>>>()
            .map(Value::Array),
        Value::Object(object) => {
            let mut out = Map::new();
            let typename = object.get("__typename").and_then(Value::as_str);
            for sel in selections {
                match sel {
                    Sel::Field {
                        alias,
                        name,
                        selections,
                        ..
                    } => {
                        // Read under the alias the fetch used, write under the field's name.
                        let v = object.get(alias.as_ref().unwrap_or(name).as_str())?;
                        let v = if selections.is_empty() || v.is_null() {
                            v.clone()
                        } else {
                            extract(sg, v, selections)?
                        };
                        out.insert(name.to_string(), v);
                    }
                    Sel::Fragment { on, selections } => {
                        let applies = typename
                            .is_none_or(|t| t == on.as_str() || sg.schema.is_subtype(on, t));
                        if !applies {
                            continue;
                        }
                        if let Value::Object(inner) = extract(sg, value, selections)? {
                            out.extend(inner);
                        }
                    }
                }
            }
            if let Some(t) = typename {
                out.insert("__typename".into(), Value::String(t.to_owned()));
            }
            Some(Value::Object(out))
        }
        Value::Null => Some(Value::Null),
        _ => None,
    }
}

async fn send(ctx: &ExecutionContext<'_>, prepared: &Prepared<'_>) -> Result<Value, FetchError> {
    send_operation(
        ctx,
        prepared.node,
        &prepared.node.operation,
        &prepared.variables,
    )
    .await
}

/// Sends the fetches `members` of `prepared`: alone, or entity fetches to one subgraph as one
/// request. One response per member, in order.
async fn send_group(
    ctx: &ExecutionContext<'_>,
    prepared: &[Prepared<'_>],
    members: &[usize],
) -> Vec<Result<Value, FetchError>> {
    if let [only] = members {
        return vec![send(ctx, &prepared[*only]).await];
    }
    let group: Vec<&Prepared<'_>> = members.iter().map(|&i| &prepared[i]).collect();
    let (operation, variables) = batch::combine(&group);
    let response = send_operation(ctx, group[0].node, &operation, &variables).await;
    batch::split(response, group.len())
}

async fn send_operation(
    ctx: &ExecutionContext<'_>,
    node: &FetchNode,
    operation: &str,
    variables: &Map<String, Value>,
) -> Result<Value, FetchError> {
    let query = node.kind == OperationType::Query;
    let key = ctx
        .answers
        .key(node.graph, query, operation, variables, ctx.headers);
    if let Some(body) = key.as_ref().and_then(|key| ctx.answers.get(key)) {
        return Ok(body);
    }
    tracing::debug!(
        subgraph = %node.subgraph,
        operation = %operation,
        variables = %serde_json::Value::Object(variables.clone()),
        "subgraph fetch"
    );
    let request = SubgraphRequest {
        replicas: &ctx.replicas[node.graph],
        repeatable: query,
        query: operation,
        variables,
        headers: ctx.headers,
    };
    let answer = match ctx.inflight.filter(|_| query) {
        Some(inflight) => {
            let key = Inflight::key(node.graph, operation, variables, ctx.headers);
            inflight.share(key, ctx.client.send(request)).await?
        }
        None => ctx.client.send(request).await?,
    };
    if let Some(key) = key {
        ctx.answers.put(key, &answer.body, &answer.headers);
    }
    Ok(answer.body)
}

fn apply(
    ctx: &ExecutionContext<'_>,
    prepared: &Prepared<'_>,
    response: Result<Value, FetchError>,
    data: &mut Value,
    errors: &mut Vec<Value>,
) {
    let node = prepared.node;
    let mut response = match response {
        Ok(response) => response,
        Err(err) => {
            tracing::warn!(subgraph = %node.subgraph, error = %err, "subgraph fetch failed");
            let path = prepared
                .targets
                .first()
                .and_then(|t| t.first())
                .map(|p| to_json(p));
            let mut error = json!({
                "message": format!("subgraph `{}` {err}", node.subgraph),
                "extensions": { "code": "SUBGRAPH_UNAVAILABLE", "serviceName": node.subgraph },
            });
            if let Some(path) = path {
                error["path"] = Value::Array(path);
            }
            errors.push(error);
            return;
        }
    };
    let _ = ctx;
    let subgraph_errors = match response.get_mut("errors").map(Value::take) {
        Some(Value::Array(subgraph_errors)) => subgraph_errors,
        _ => Vec::new(),
    };
    let mut result = response.get_mut("data").map(Value::take);
    if let Some(result) = result.as_mut().filter(|_| !node.renames.is_empty()) {
        undo_aliases(result, &node.renames);
    }
    if node.requires.is_none() {
        errors.extend(subgraph_errors);
        if let Some(result) = result {
            merge(data, result);
        }
        return;
    }
    let entities = match result
        .as_mut()
        .and_then(|r| r.get_mut("_entities"))
        .map(Value::take)
    {
        Some(Value::Array(entities)) => entities,
        _ => Vec::new(),
    };
    let mut unindexed = HashMap::new();
    for mut error in subgraph_errors {
        remap_entity_error(&mut error, &prepared.targets, &entities, &mut unindexed);
        errors.push(error);
    }
    for (entity, paths) in entities.into_iter().zip(&prepared.targets) {
        let Some((last, others)) = paths.split_last() else {
            continue;
        };
        for path in others {
            if let Some(target) = get_mut(data, path) {
                merge(target, entity.clone());
            }
        }
        if let Some(target) = get_mut(data, last) {
            merge(target, entity);
        }
    }
}

/// Renames internal aliases back to the response keys the operation asked for.
fn undo_aliases(value: &mut Value, renames: &[(apollo_compiler::Name, apollo_compiler::Name)]) {
    match value {
        Value::Object(object) => {
            for (alias, key) in renames {
                if let Some(v) = object.remove(alias.as_str()) {
                    object.insert(key.to_string(), v);
                }
            }
            for v in object.values_mut() {
                undo_aliases(v, renames);
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|v| undo_aliases(v, renames)),
        _ => {}
    }
}

/// `["_entities", i, ...rest]` becomes the path of the i-th entity's object plus `rest`.
///
/// async-graphql leaves the index out (`["_entities", ...rest]`); such an error is taken to
/// be about the next entity, in order, that holds null at `rest`: a subgraph reports its
/// entities' errors in list order. `unindexed` counts, per `rest`, the errors placed so far.
fn remap_entity_error(
    error: &mut Value,
    targets: &[Vec<JsonPath>],
    entities: &[Value],
    unindexed: &mut HashMap<String, usize>,
) {
    let Some(path) = error.get("path").and_then(Value::as_array).cloned() else {
        return;
    };
    if path.first().and_then(Value::as_str) != Some("_entities") {
        return;
    }
    let (index, rest) = match path.get(1).and_then(Value::as_u64) {
        Some(i) => (Some(i as usize), &path[2..]),
        None => {
            let rest = &path[1..];
            let seen = unindexed
                .entry(Value::Array(rest.to_vec()).to_string())
                .or_insert(0);
            let index = entities
                .iter()
                .enumerate()
                .filter(|(_, entity)| null_at(entity, rest))
                .nth(*seen)
                .map(|(i, _)| i);
            *seen += 1;
            (index, rest)
        }
    };
    match index.and_then(|i| targets.get(i)).and_then(|t| t.first()) {
        Some(target) => {
            let mut mapped = to_json(target);
            mapped.extend(rest.iter().cloned());
            error["path"] = Value::Array(mapped);
        }
        None => {
            if let Some(object) = error.as_object_mut() {
                object.remove("path");
            }
        }
    }
}

/// Whether `value` holds null (or nothing) at `path`.
fn null_at(value: &Value, path: &[Value]) -> bool {
    let mut at = value;
    for step in path {
        let next = match step {
            Value::String(key) => at.get(key.as_str()),
            Value::Number(n) => n.as_u64().and_then(|i| at.get(i as usize)),
            _ => None,
        };
        match next {
            Some(next) => at = next,
            None => return true,
        }
    }
    at.is_null()
}
