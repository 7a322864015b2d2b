//! The router as a service: one GraphQL request in, one response out. HTTP-agnostic so it
//! can be driven by the HTTP layer, the plan printer and tests alike.

use std::sync::Arc;
use std::time::Duration;

use apollo_compiler::ExecutableDocument;
use apollo_compiler::validation::Valid;
use reqwest::header::HeaderMap;
use serde::Deserialize;
use serde_json::{Map, Value, json};

use crate::execution::ExecutionContextOwned;
use crate::execution::{SubgraphClient, execute_plan, shape};
use crate::operation::Operation;
use crate::pipeline::authorization::{Identity, authorize};
use crate::pipeline::limits::Limits;
use crate::pipeline::{
    Coerced, RequestError, coerce, normalize_within_limits, parse_and_validate, prepare,
};
use crate::planner::{QueryPlan, plan};
use crate::supergraph::Supergraph;

/// Decides who the caller is from the request headers (e.g. by verifying a JWT).
pub trait Authenticator: Send + Sync {
    /// `Err` with a message when credentials are present but invalid.
    fn authenticate(&self, headers: &HeaderMap) -> Result<Identity, String>;
}

#[derive(Debug, Clone)]
pub struct RouterConfig {
    pub limits: Limits,
    pub subgraph_timeout: Duration,
    /// Plans kept in memory.
    pub plan_cache_size: u64,
    /// Whether `__schema`/`__type` are answered.
    pub introspection: bool,
    /// Proxies in front of the router whose `X-Forwarded-For` entries are believed; empty
    /// when the router is the edge (then a client's own address is the connection's).
    pub trusted_proxies: Vec<ipnet::IpNet>,
}

impl Default for RouterConfig {
    fn default() -> Self {
        Self {
            limits: Limits::default(),
            subgraph_timeout: Duration::from_secs(30),
            plan_cache_size: 10_000,
            introspection: true,
            trusted_proxies: Vec::new(),
        }
    }
}

/// A GraphQL-over-HTTP request body.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GraphqlRequest {
    pub query: Option<String>,
    pub operation_name: Option<String>,
    pub variables: Option<Map<String, Value>>,
    pub extensions: Option<Map<String, Value>>,
}

/// The response, and whether the request failed before execution (GraphQL-over-HTTP uses
/// 4xx for those with `application/graphql-response+json`).
pub struct GraphqlResponse {
    pub body: Value,
    pub request_error: bool,
}

impl GraphqlResponse {
    fn error(code: &str, message: &str) -> Self {
        Self {
            body: json!({ "errors": [{ "message": message, "extensions": { "code": code } }] }),
            request_error: true,
        }
    }
}

/// A planned operation, cached.
struct Planned {
    operation: Operation,
    plan: QueryPlan,
    auth_errors: Vec<Value>,
}

pub struct Router {
    supergraph: Arc<Supergraph>,
    config: RouterConfig,
    client: SubgraphClient,
    authenticator: Option<Arc<dyn Authenticator>>,
    plans: moka::sync::Cache<CacheKey, Arc<Planned>>,
    /// Validated documents by query text: a repeated operation skips parsing and validation.
    documents: moka::sync::Cache<CacheKey, Arc<Valid<ExecutableDocument>>>,
}

impl Router {
    pub fn new(
        supergraph: Supergraph,
        config: RouterConfig,
        authenticator: Option<Arc<dyn Authenticator>>,
    ) -> Self {
        Self {
            client: SubgraphClient::new(config.subgraph_timeout),
            plans: moka::sync::Cache::new(config.plan_cache_size),
            documents: moka::sync::Cache::new(config.plan_cache_size),
            supergraph: Arc::new(supergraph),
            config,
            authenticator,
        }
    }

    pub fn supergraph(&self) -> &Supergraph {
        &self.supergraph
    }

    pub fn config(&self) -> &RouterConfig {
        &self.config
    }

    /// Plans a query without running it (for `router plan`).
    pub fn plan(
        &self,
        query: &str,
        operation_name: Option<&str>,
        variables: Map<String, Value>,
    ) -> Result<QueryPlan, RequestError> {
        let prepared = prepare(
            &self.supergraph,
            query,
            operation_name,
            variables,
            &self.config.limits,
        )?;
        plan(&self.supergraph, &prepared.operation).map_err(|e| RequestError {
            code: "GRAPHQL_VALIDATION_FAILED",
            message: e.to_string(),
        })
    }

    pub async fn execute(&self, request: GraphqlRequest, headers: &HeaderMap) -> GraphqlResponse {
        let Some(query) = request.query.filter(|q| !q.trim().is_empty()) else {
            return GraphqlResponse::error("BAD_REQUEST", "the request has no query");
        };
        let identity = match &self.authenticator {
            None => Identity::default(),
            Some(auth) => match auth.authenticate(headers) {
                Ok(identity) => identity,
                Err(message) => return GraphqlResponse::error("UNAUTHENTICATED", &message),
            },
        };
        let variables = request.variables.unwrap_or_default();
        let document = match self.document(&query) {
            Ok(document) => document,
            Err(err) => return GraphqlResponse::error(err.code, &err.message),
        };
        let coerced = match coerce(
            &self.supergraph,
            document,
            request.operation_name.as_deref(),
            variables,
        ) {
            Ok(coerced) => coerced,
            Err(err) => return GraphqlResponse::error(err.code, &err.message),
        };
        if coerced.introspection && !self.config.introspection {
            return GraphqlResponse::error(
                "GRAPHQL_VALIDATION_FAILED",
                "introspection is disabled",
            );
        }

        let key = plan_key(
            &query,
            coerced.operation_name.as_deref(),
            &coerced.variables,
            &identity,
        );
        let planned = match self.plans.get(&key) {
            Some(planned) => planned,
            None => {
                let mut operation = match normalize_within_limits(
                    &self.supergraph,
                    &coerced,
                    &self.config.limits,
                ) {
                    Ok(operation) => operation,
                    Err(err) => return GraphqlResponse::error(err.code, &err.message),
                };
                let auth_errors = authorize(&self.supergraph, &mut operation.selection, &identity);
                let plan = match plan(&self.supergraph, &operation) {
                    Ok(plan) => plan,
                    Err(err) => {
                        return GraphqlResponse::error(
                            "GRAPHQL_VALIDATION_FAILED",
                            &err.to_string(),
                        );
                    }
                };
                let planned = Arc::new(Planned {
                    operation,
                    plan,
                    auth_errors,
                });
                self.plans.insert(key, planned.clone());
                planned
            }
        };

        let introspection = coerced
            .introspection
            .then(|| self.introspect(&coerced))
            .flatten();
        let ctx = ExecutionContextOwned {
            supergraph: &self.supergraph,
            client: &self.client,
            variables: &coerced.variables,
            headers,
        };
        let (data, mut errors) = execute_plan(&ctx, &planned.plan).await;
        let mut all_errors = planned.auth_errors.clone();
        all_errors.append(&mut errors);
        let data = shape(
            &self.supergraph,
            &planned.operation,
            &data,
            introspection.as_ref(),
            &mut all_errors,
        );
        let mut body = Map::new();
        body.insert("data".into(), data);
        if !all_errors.is_empty() {
            body.insert("errors".into(), Value::Array(all_errors));
        }
        GraphqlResponse {
            body: Value::Object(body),
            request_error: false,
        }
    }

    fn document(&self, query: &str) -> Result<Arc<Valid<ExecutableDocument>>, RequestError> {
        let key = cache_key(&[query.as_bytes()]);
        if let Some(document) = self.documents.get(&key) {
            return Ok(document);
        }
        let document = Arc::new(parse_and_validate(
            &self.supergraph,
            query,
            &self.config.limits,
        )?);
        self.documents.insert(key, document.clone());
        Ok(document)
    }

    /// Answers `__schema` / `__type` from the API schema.
    fn introspect(&self, prepared: &Coerced) -> Option<Map<String, Value>> {
        let operation = prepared
            .document
            .operations
            .get(prepared.operation_name.as_deref())
            .ok()?;
        apollo_compiler::introspection::check_max_depth(&prepared.document, operation).ok()?;
        let variables: serde_json_bytes::Map<
            serde_json_bytes::ByteString,
            serde_json_bytes::Value,
        > = prepared
            .variables
            .iter()
            .map(|(k, v)| (k.as_str().into(), serde_json_bytes::Value::from(v.clone())))
            .collect();
        let variables = apollo_compiler::validation::Valid::assume_valid(variables);
        let response = apollo_compiler::introspection::partial_execute(
            &self.supergraph.api,
            &self.supergraph.api_implementers,
            &prepared.document,
            operation,
            &variables,
        )
        .ok()?;
        let data = serde_json::to_value(response.data?).ok()?;
        data.as_object().cloned()
    }
}

/// Cache keys are SHA-256 digests: a client must not be able to craft a query that collides
/// with another client's and poison the cache.
type CacheKey = [u8; 32];

fn cache_key(parts: &[&[u8]]) -> CacheKey {
    use sha2::{Digest, Sha256};
    let mut hasher = Sha256::new();
    for part in parts {
        hasher.update((part.len() as u64).to_le_bytes());
        hasher.update(part);
    }
    hasher.finalize().into()
}

/// Plans depend on the query, the operation, `@skip`/`@include` variables (the boolean ones)
/// and what the caller may see.
fn plan_key(
    query: &str,
    operation: Option<&str>,
    variables: &Map<String, Value>,
    identity: &Identity,
) -> CacheKey {
    let booleans: Vec<String> = variables
        .iter()
        .filter_map(|(name, value)| value.as_bool().map(|b| format!("{name}={b}")))
        .collect();
    let scopes: Vec<&str> = identity.scopes.iter().map(String::as_str).collect();
    let policies: Vec<&str> = identity.policies.iter().map(String::as_str).collect();
    cache_key(&[
        query.as_bytes(),
        operation.unwrap_or("").as_bytes(),
        booleans.join(",").as_bytes(),
        &[u8::from(identity.authenticated)],
        scopes.join(" ").as_bytes(),
        policies.join(" ").as_bytes(),
    ])
}
