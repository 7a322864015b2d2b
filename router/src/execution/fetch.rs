//! Walking the plan: preparing each fetch from the data so far, sending it, merging results
//! and mapping subgraph errors to response paths.

use std::collections::HashMap;

use futures::future::{BoxFuture, join_all};
use reqwest::header::HeaderMap;
use serde_json::{Map, Value, json};

use super::client::{FetchError, SubgraphClient, SubgraphRequest};
use super::json_path::{JsonPath, Step, get_mut, merge, to_json};
use crate::planner::{FetchNode, PathStep, PlanNode, QueryPlan, Sel};
use crate::supergraph::Supergraph;

/// What a plan runs with.
pub struct ExecutionContext<'a> {
    pub supergraph: &'a Supergraph,
    pub client: &'a SubgraphClient,
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
                let responses = join_all(prepared.iter().map(|p| send(ctx, p))).await;
                for (p, response) in prepared.iter().zip(responses) {
                    apply(ctx, p, response, data, errors);
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

struct Prepared<'n> {
    node: &'n FetchNode,
    variables: Map<String, Value>,
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
    let url = &ctx.supergraph.subgraphs[prepared.node.graph].url;
    tracing::debug!(
        subgraph = %prepared.node.subgraph,
        operation = %prepared.node.operation,
        variables = %serde_json::Value::Object(prepared.variables.clone()),
        "subgraph fetch"
    );
    ctx.client
        .send(SubgraphRequest {
            url,
            query: &prepared.node.operation,
            variables: &prepared.variables,
            headers: ctx.headers,
        })
        .await
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
    if let Some(Value::Array(subgraph_errors)) = response.get_mut("errors").map(Value::take) {
        for mut error in subgraph_errors {
            if node.requires.is_some() {
                remap_entity_error(&mut error, &prepared.targets);
            }
            errors.push(error);
        }
    }
    let Some(mut result) = response.get_mut("data").map(Value::take) else {
        return;
    };
    if !node.renames.is_empty() {
        undo_aliases(&mut result, &node.renames);
    }
    if node.requires.is_none() {
        merge(data, result);
        return;
    }
    let Some(Value::Array(entities)) = result.get_mut("_entities").map(Value::take) else {
        return;
    };
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
fn remap_entity_error(error: &mut Value, targets: &[Vec<JsonPath>]) {
    let Some(path) = error.get("path").and_then(Value::as_array).cloned() else {
        return;
    };
    let index = match (
        path.first().and_then(Value::as_str),
        path.get(1).and_then(Value::as_u64),
    ) {
        (Some("_entities"), Some(i)) => i as usize,
        _ => return,
    };
    match targets.get(index).and_then(|t| t.first()) {
        Some(target) => {
            let mut mapped = to_json(target);
            mapped.extend(path.into_iter().skip(2));
            error["path"] = Value::Array(mapped);
        }
        None => {
            if let Some(object) = error.as_object_mut() {
                object.remove("path");
            }
        }
    }
}
