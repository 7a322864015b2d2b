//! Entity fetches of one stage that go to the same subgraph travel as one request: each
//! fetch's `_entities` under its own alias, its representations in its own variable. A page
//! listing products in three places then costs the catalog one parse, one request and one
//! batched load instead of three.

use std::collections::HashMap;

use serde_json::{Map, Value};

use super::client::FetchError;
use super::fetch::Prepared;

/// The prepared fetches grouped into requests, by index: entity fetches to one subgraph
/// together, every other fetch alone. Order follows the first member of each group.
pub(super) fn group(prepared: &[Prepared<'_>]) -> Vec<Vec<usize>> {
    let mut groups: Vec<Vec<usize>> = Vec::new();
    let mut by_graph: HashMap<usize, usize> = HashMap::new();
    for (i, p) in prepared.iter().enumerate() {
        if p.node.requires.is_none() {
            groups.push(vec![i]);
            continue;
        }
        match by_graph.get(&p.node.graph) {
            Some(&g) => groups[g].push(i),
            None => {
                by_graph.insert(p.node.graph, groups.len());
                groups.push(vec![i]);
            }
        }
    }
    groups
}

/// The response key of the `i`-th member's `_entities`.
fn alias(i: usize) -> String {
    format!("_entities{i}")
}

/// One operation and its variables for entity fetches `members` (two or more, one subgraph).
pub(super) fn combine(members: &[&Prepared<'_>]) -> (String, Map<String, Value>) {
    let mut variables = Map::new();
    let mut definitions: Vec<String> = Vec::new();
    for p in members {
        for (name, value) in &p.variables {
            if name != "representations" {
                variables.insert(name.clone(), value.clone());
            }
        }
        for definition in &p.node.variable_definitions {
            if !definitions.contains(definition) {
                definitions.push(definition.clone());
            }
        }
    }
    // Representation variables are named so that no client variable can take the name.
    let mut prefix = String::from("representations");
    let clients = || members.iter().flat_map(|p| &p.node.variables);
    while clients().any(|name| name.starts_with(prefix.as_str())) {
        prefix.insert(0, 'r');
    }
    let mut fields = String::new();
    for (i, p) in members.iter().enumerate() {
        let variable = format!("{prefix}{i}");
        definitions.insert(i, format!("${variable}: [_Any!]!"));
        fields.push_str(&format!(
            " {}: _entities(representations: ${variable}) {}",
            alias(i),
            p.node.printed_selections
        ));
        let representations = p.variables.get("representations").cloned();
        variables.insert(
            variable,
            representations.unwrap_or(Value::Array(Vec::new())),
        );
    }
    let operation = format!("query({}) {{{fields} }}", definitions.join(", "));
    (operation, variables)
}

/// The combined response cut back into one response per member, each as if its fetch had
/// been sent alone: its aliased `_entities` back under `_entities`, the errors whose path
/// starts there. Errors without such a path go to the first member, so none is lost.
pub(super) fn split(
    response: Result<Value, FetchError>,
    n: usize,
) -> Vec<Result<Value, FetchError>> {
    let mut response = match response {
        Ok(response) => response,
        Err(err) => return vec![Err(err); n],
    };
    let mut data = response.get_mut("data").map(Value::take);
    let mut parts: Vec<Map<String, Value>> = (0..n)
        .map(|i| {
            let entities = match data.as_mut() {
                Some(Value::Object(object)) => object.remove(&alias(i)).unwrap_or(Value::Null),
                _ => Value::Null,
            };
            let mut part = Map::new();
            let data = match data {
                Some(Value::Object(_)) => serde_json::json!({ "_entities": entities }),
                _ => Value::Null,
            };
            part.insert("data".into(), data);
            part
        })
        .collect();
    if let Some(Value::Array(errors)) = response.get_mut("errors").map(Value::take) {
        for mut error in errors {
            let member = error
                .get("path")
                .and_then(|p| p.get(0))
                .and_then(Value::as_str)
                .and_then(|key| (0..n).find(|&i| key == alias(i)));
            if member.is_some() {
                error["path"][0] = Value::String("_entities".into());
            }
            let errors = parts[member.unwrap_or(0)]
                .entry("errors")
                .or_insert_with(|| Value::Array(Vec::new()));
            if let Value::Array(errors) = errors {
                errors.push(error);
            }
        }
    }
    parts.into_iter().map(|p| Ok(Value::Object(p))).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_split_gives_each_member_its_entities_and_errors() {
        let response = json!({
            "data": { "_entities0": [{ "name": "a" }], "_entities1": [{ "name": "b" }, null] },
            "errors": [
                { "message": "gone", "path": ["_entities1", 1, "name"] },
                { "message": "no path" },
            ],
        });
        let parts: Vec<Value> = split(Ok(response), 2)
            .into_iter()
            .map(Result::unwrap)
            .collect();
        assert_eq!(parts[0]["data"], json!({ "_entities": [{ "name": "a" }] }));
        assert_eq!(parts[0]["errors"], json!([{ "message": "no path" }]));
        assert_eq!(
            parts[1]["data"],
            json!({ "_entities": [{ "name": "b" }, null] })
        );
        assert_eq!(
            parts[1]["errors"][0]["path"],
            json!(["_entities", 1, "name"])
        );
    }

    #[test]
    fn a_failed_request_fails_every_member() {
        let parts = split(Err(FetchError::Timeout), 3);
        assert_eq!(parts.len(), 3);
        assert!(parts.iter().all(|p| matches!(p, Err(FetchError::Timeout))));
    }

    #[test]
    fn null_data_stays_null_for_every_member() {
        let parts = split(Ok(json!({ "data": null, "errors": [] })), 2);
        assert!(parts.iter().all(|p| p.as_ref().unwrap()["data"].is_null()));
    }
}
