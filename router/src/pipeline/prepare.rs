//! From request to a normalized, validated operation: parse, validate against the API
//! schema, pick the operation, coerce variables, normalize, check limits.

use apollo_compiler::ExecutableDocument;
use apollo_compiler::ast::OperationType;
use apollo_compiler::parser::Parser;
use apollo_compiler::validation::Valid;
use serde_json::{Map, Value};

use super::limits::{self, Limits};
use super::normalize::normalize;
use crate::operation::{Operation, Selection};
use crate::supergraph::Supergraph;

/// A request that cannot run, with the code clients see.
#[derive(Debug, Clone, PartialEq)]
pub struct RequestError {
    pub code: &'static str,
    pub message: String,
}

impl RequestError {
    fn new(code: &'static str, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
        }
    }
}

/// A request ready for planning.
pub struct Prepared {
    pub document: Valid<ExecutableDocument>,
    pub operation_name: Option<String>,
    pub operation: Operation,
    pub variables: Map<String, Value>,
    /// Whether the root selects `__schema` or `__type`.
    pub introspection: bool,
}

pub fn prepare(
    supergraph: &Supergraph,
    query: &str,
    operation_name: Option<&str>,
    variables: Map<String, Value>,
    limits: &Limits,
) -> Result<Prepared, RequestError> {
    if query.len() > limits.max_query_bytes {
        return Err(RequestError::new(
            "BAD_REQUEST",
            format!("the query is larger than {} bytes", limits.max_query_bytes),
        ));
    }
    let ast = Parser::new()
        .recursion_limit(256)
        .token_limit(50_000)
        .parse_ast(query, "query.graphql")
        .map_err(|e| RequestError::new("GRAPHQL_PARSE_FAILED", first_message(&e.errors)))?;
    let document = ast
        .to_executable_validate(&supergraph.api)
        .map_err(|e| RequestError::new("GRAPHQL_VALIDATION_FAILED", first_message(&e.errors)))?;
    let operation = document
        .operations
        .get(operation_name)
        .map_err(|_| match operation_name {
            Some(name) => RequestError::new(
                "GRAPHQL_VALIDATION_FAILED",
                format!("unknown operation named \"{name}\""),
            ),
            None => RequestError::new(
                "GRAPHQL_VALIDATION_FAILED",
                "the document has several operations: name one with operationName",
            ),
        })?;
    if operation.operation_type == OperationType::Subscription {
        return Err(RequestError::new(
            "BAD_REQUEST",
            "subscriptions are not supported",
        ));
    }

    let input: serde_json_bytes::Map<serde_json_bytes::ByteString, serde_json_bytes::Value> =
        variables
            .into_iter()
            .map(|(k, v)| (k.into(), serde_json_bytes::Value::from(v)))
            .collect();
    let coerced =
        apollo_compiler::request::coerce_variable_values(&supergraph.api, operation, &input)
            .map_err(|e| RequestError::new("BAD_USER_INPUT", e.message().to_string()))?;
    let variables: Map<String, Value> = coerced
        .iter()
        .map(|(k, v)| {
            (
                k.as_str().to_owned(),
                serde_json::to_value(v).unwrap_or(Value::Null),
            )
        })
        .collect();

    let normalized = normalize(&supergraph.api, &document, operation, &variables);
    let depth = limits::depth(&normalized.selection);
    if depth > limits.max_depth {
        return Err(RequestError::new(
            "GRAPHQL_VALIDATION_FAILED",
            format!(
                "the query is {depth} levels deep; the limit is {}",
                limits.max_depth
            ),
        ));
    }
    let aliases = limits::aliases(&normalized.selection);
    if aliases > limits.max_aliases {
        return Err(RequestError::new(
            "GRAPHQL_VALIDATION_FAILED",
            format!(
                "the query uses {aliases} aliases; the limit is {}",
                limits.max_aliases
            ),
        ));
    }
    let introspection = normalized.selection.items.iter().any(
        |item| matches!(item, Selection::Field(f) if f.name == "__schema" || f.name == "__type"),
    );
    Ok(Prepared {
        operation_name: operation.name.as_ref().map(|n| n.to_string()),
        document,
        operation: normalized,
        variables,
        introspection,
    })
}

/// The first diagnostic's message (clients get one clear message, not a report).
fn first_message(diagnostics: &apollo_compiler::validation::DiagnosticList) -> String {
    diagnostics
        .iter()
        .next()
        .map(|d| d.to_json().message)
        .unwrap_or_else(|| "invalid query".to_owned())
}
