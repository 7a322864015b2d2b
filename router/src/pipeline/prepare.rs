//! From request to a normalized, validated operation: parse, validate against the API
//! schema, pick the operation, coerce variables, normalize, check limits.

use std::sync::Arc;

use apollo_compiler::ExecutableDocument;
use apollo_compiler::ast::OperationType;
use apollo_compiler::parser::Parser;
use apollo_compiler::validation::Valid;
use serde_json::{Map, Value};

use super::limits::{self, Limits};
use super::normalize::normalize;
use crate::operation::Operation;
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
    pub document: Arc<Valid<ExecutableDocument>>,
    pub operation_name: Option<String>,
    pub operation: Operation,
    pub variables: Map<String, Value>,
    /// Whether the root selects `__schema` or `__type`.
    pub introspection: bool,
}

/// A validated document with its operation chosen and variables coerced: what every request
/// needs, before the (cacheable) normalization and planning.
pub struct Coerced {
    pub document: Arc<Valid<ExecutableDocument>>,
    pub operation_name: Option<String>,
    pub variables: Map<String, Value>,
    pub introspection: bool,
}

/// Parse, validate, coerce and normalize in one go.
pub fn prepare(
    supergraph: &Supergraph,
    query: &str,
    operation_name: Option<&str>,
    variables: Map<String, Value>,
    limits: &Limits,
) -> Result<Prepared, RequestError> {
    let document = Arc::new(parse_and_validate(supergraph, query, limits)?);
    let coerced = coerce(supergraph, document, operation_name, variables)?;
    let operation = normalize_within_limits(supergraph, &coerced, limits)?;
    Ok(Prepared {
        document: coerced.document,
        operation_name: coerced.operation_name,
        operation,
        variables: coerced.variables,
        introspection: coerced.introspection,
    })
}

/// Parses the query and validates it against the API schema (cacheable by query text).
pub fn parse_and_validate(
    supergraph: &Supergraph,
    query: &str,
    limits: &Limits,
) -> Result<Valid<ExecutableDocument>, RequestError> {
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
    ast.to_executable_validate(&supergraph.api)
        .map_err(|e| RequestError::new("GRAPHQL_VALIDATION_FAILED", first_message(&e.errors)))
}

/// Picks the operation and coerces the variables against it.
pub fn coerce(
    supergraph: &Supergraph,
    document: Arc<Valid<ExecutableDocument>>,
    operation_name: Option<&str>,
    variables: Map<String, Value>,
) -> Result<Coerced, RequestError> {
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
    let introspection = operation.selection_set.selections.iter().any(|s| {
        matches!(s, apollo_compiler::executable::Selection::Field(f) if f.name == "__schema" || f.name == "__type")
    });
    let operation_name = operation.name.as_ref().map(|n| n.to_string());
    Ok(Coerced {
        document,
        operation_name,
        variables,
        introspection,
    })
}

/// Normalizes the chosen operation and checks its depth and aliases.
pub fn normalize_within_limits(
    supergraph: &Supergraph,
    coerced: &Coerced,
    limits: &Limits,
) -> Result<Operation, RequestError> {
    let operation = coerced
        .document
        .operations
        .get(coerced.operation_name.as_deref())
        .map_err(|_| RequestError::new("GRAPHQL_VALIDATION_FAILED", "unknown operation"))?;
    let normalized = normalize(
        &supergraph.api,
        &coerced.document,
        operation,
        &coerced.variables,
        limits.max_fields,
    )
    .map_err(|e| RequestError::new("GRAPHQL_VALIDATION_FAILED", e.to_string()))?;
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
    Ok(normalized)
}

/// The first diagnostic's message (clients get one clear message, not a report).
fn first_message(diagnostics: &apollo_compiler::validation::DiagnosticList) -> String {
    diagnostics
        .iter()
        .next()
        .map(|d| d.to_json().message)
        .unwrap_or_else(|| "invalid query".to_owned())
}
