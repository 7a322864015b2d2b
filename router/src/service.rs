//! The router as a service: one GraphQL request in, one response out. HTTP-agnostic so it
//! can be driven by the HTTP layer, the plan printer and tests alike.

use std::sync::Arc;
use std::time::Duration;

use apollo_compiler::ExecutableDocument;
use apollo_compiler::validation::Valid;
use reqwest::header::HeaderMap;
use serde::Deserialize;
use serde_json::{Map, Value, json};

use crate::execution::{AnswerCache, Replicas, SubgraphClient, execute_plan, shape};
use crate::execution::{ExecutionContextOwned, Inflight};
use crate::operation::Operation;
use crate::pipeline::authorization::{Identity, authorize};
use crate::pipeline::cost::{CostLimits, CostMode, CostModel, Coster};
use crate::pipeline::limits::Limits;
use crate::pipeline::{Coerced, RequestError, coerce, normalize_within_limits, parse_and_validate};
use crate::planner::{DEFAULT_PLAN_BUDGET, QueryPlan, plan_within};
use crate::supergraph::Supergraph;

/// Decides who the caller is from the request headers (e.g. by verifying a JWT).
pub trait Authenticator: Send + Sync {
    /// `Err` with a message when credentials are present but invalid.
    fn authenticate(&self, headers: &HeaderMap) -> Result<Identity, String>;
}

#[derive(Debug, Clone)]
pub struct RouterConfig {
    pub limits: Limits,
    pub cost: CostLimits,
    pub subgraph_timeout: Duration,
    /// Largest subgraph response read, in bytes; a larger one is cut off as it streams in.
    pub max_subgraph_response_bytes: usize,
    /// Memory the validated-document cache may hold, in (estimated) bytes.
    pub document_cache_bytes: u64,
    /// Memory the plan cache may hold, in (estimated) bytes.
    pub plan_cache_bytes: u64,
    /// Whether `__schema`/`__type` are answered.
    pub introspection: bool,
    /// Longest the planner may search for one operation's plan; past it the operation is
    /// refused as too complex.
    pub plan_budget: Duration,
    /// Largest request body accepted over HTTP, in bytes.
    pub max_body_bytes: usize,
    /// Proxies in front of the router whose `X-Forwarded-For` entries are believed; empty
    /// when the router is the edge (then a client's own address is the connection's).
    pub trusted_proxies: Vec<ipnet::IpNet>,
    /// Replicas of a subgraph, by subgraph name: its GraphQL URLs, used in turn instead of
    /// the one the supergraph names.
    pub subgraph_urls: std::collections::HashMap<String, Vec<String>>,
    /// Asked on a replica's origin to bring it back into rotation (2xx: healthy).
    pub health_path: String,
    /// Memory for subgraph answers kept for anonymous callers as long as the subgraph's
    /// `Cache-Control` allows, in (estimated) bytes; 0 keeps none.
    pub subgraph_cache_bytes: u64,
    /// Whether identical subgraph queries in flight at the same moment are sent once.
    pub deduplicate_subgraph_queries: bool,
}

impl Default for RouterConfig {
    fn default() -> Self {
        Self {
            limits: Limits::default(),
            cost: CostLimits::default(),
            subgraph_timeout: Duration::from_secs(30),
            max_subgraph_response_bytes: 16 * 1024 * 1024,
            document_cache_bytes: 64 * 1024 * 1024,
            plan_cache_bytes: 128 * 1024 * 1024,
            introspection: true,
            plan_budget: DEFAULT_PLAN_BUDGET,
            max_body_bytes: 1024 * 1024,
            trusted_proxies: Vec::new(),
            subgraph_urls: Default::default(),
            health_path: "/health".into(),
            subgraph_cache_bytes: 0,
            deduplicate_subgraph_queries: true,
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

/// Entries and estimated bytes in the router's caches.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CacheStats {
    pub documents: u64,
    pub document_bytes: u64,
    pub plans: u64,
    pub plan_bytes: u64,
}

/// A request that passed every stage before execution, ready to run.
pub struct Ready {
    coerced: Coerced,
    planned: Arc<Planned>,
    estimated: Option<f64>,
}

impl Ready {
    /// The plan that will run.
    pub fn plan(&self) -> &QueryPlan {
        &self.planned.plan
    }

    /// The fields authorization removed, as the errors the client will see.
    pub fn authorization_errors(&self) -> &[Value] {
        &self.planned.auth_errors
    }

    pub fn estimated_cost(&self) -> Option<f64> {
        self.estimated
    }
}

/// A request refused before execution, with the code the client sees.
#[derive(Debug)]
pub struct Refused {
    pub error: RequestError,
    /// The cost report, when the refusal is about cost.
    pub cost: Option<Value>,
}

impl Refused {
    fn new(code: &'static str, message: impl Into<String>) -> Self {
        Self {
            error: RequestError {
                code,
                message: message.into(),
            },
            cost: None,
        }
    }
}

impl From<RequestError> for Refused {
    fn from(error: RequestError) -> Self {
        Self { error, cost: None }
    }
}

impl From<Refused> for GraphqlResponse {
    fn from(refused: Refused) -> Self {
        let mut response = GraphqlResponse::error(refused.error.code, &refused.error.message);
        if let Some(cost) = refused.cost {
            response.body["extensions"] = json!({ "cost": cost });
        }
        response
    }
}

/// A planned operation, cached.
struct Planned {
    operation: Operation,
    plan: QueryPlan,
    auth_errors: Vec<Value>,
    /// What it is estimated to hold in memory, for the cache's byte bound.
    weight: u32,
}

/// A validated document, cached by query text.
struct Document {
    valid: Arc<Valid<ExecutableDocument>>,
    weight: u32,
}

/// Memory per byte of query text once parsed and validated, and per field of a normalized
/// operation with its plan: measured with a counting allocator on a 56 KB document of 1,500
/// aliases (27 and 914) and a 262-byte storefront query (33 and 821).
const DOCUMENT_BYTES_PER_QUERY_BYTE: usize = 32;
const PLAN_BYTES_PER_FIELD: usize = 1024;

pub struct Router {
    supergraph: Arc<Supergraph>,
    config: RouterConfig,
    client: SubgraphClient,
    /// Where each subgraph is served, by graph id.
    replicas: Vec<Replicas>,
    /// Subgraph answers kept for anonymous callers (see `AnswerCache`).
    answers: AnswerCache,
    inflight: Inflight,
    authenticator: Option<Arc<dyn Authenticator>>,
    /// Plans of operations that passed every limit, bounded by estimated bytes.
    plans: moka::sync::Cache<CacheKey, Arc<Planned>>,
    /// Validated documents by query text (only of operations that passed every limit): a
    /// repeated operation skips parsing and validation.
    documents: moka::sync::Cache<CacheKey, Arc<Document>>,
    cost_model: CostModel,
}

impl Router {
    pub fn new(
        supergraph: Supergraph,
        config: RouterConfig,
        authenticator: Option<Arc<dyn Authenticator>>,
    ) -> Self {
        let replicas = supergraph
            .subgraphs
            .iter()
            .map(|subgraph| {
                let urls = match config.subgraph_urls.get(&subgraph.name) {
                    Some(urls) if !urls.is_empty() => urls.clone(),
                    _ => vec![subgraph.url.clone()],
                };
                Replicas::new(&urls, &config.health_path)
            })
            .collect();
        Self {
            replicas,
            answers: AnswerCache::new(config.subgraph_cache_bytes),
            inflight: Inflight::default(),
            client: SubgraphClient::new(
                config.subgraph_timeout,
                config.max_subgraph_response_bytes,
            ),
            plans: moka::sync::Cache::builder()
                .max_capacity(config.plan_cache_bytes)
                .weigher(|_, planned: &Arc<Planned>| planned.weight)
                .build(),
            documents: moka::sync::Cache::builder()
                .max_capacity(config.document_cache_bytes)
                .weigher(|_, document: &Arc<Document>| document.weight)
                .build(),
            cost_model: CostModel::from_schema(&supergraph.schema),
            supergraph: Arc::new(supergraph),
            config,
            authenticator,
        }
    }

    /// What the caches hold now.
    pub fn cache_stats(&self) -> CacheStats {
        self.documents.run_pending_tasks();
        self.plans.run_pending_tasks();
        CacheStats {
            documents: self.documents.entry_count(),
            document_bytes: self.documents.weighted_size(),
            plans: self.plans.entry_count(),
            plan_bytes: self.plans.weighted_size(),
        }
    }

    pub fn supergraph(&self) -> &Supergraph {
        &self.supergraph
    }

    pub fn config(&self) -> &RouterConfig {
        &self.config
    }

    /// Runs one request: every stage before execution (`prepare_request`), then the plan.
    pub async fn execute(&self, request: GraphqlRequest, headers: &HeaderMap) -> GraphqlResponse {
        match self.prepare_request(request, headers) {
            Ok(ready) => self.run(ready, headers).await,
            Err(refused) => refused.into(),
        }
    }

    /// Every stage a request passes before any subgraph is called: authentication, parsing
    /// and validation, variables, normalization and limits, authorization, planning and the
    /// cost estimate. What passed is cached; what was refused is not.
    pub fn prepare_request(
        &self,
        request: GraphqlRequest,
        headers: &HeaderMap,
    ) -> Result<Ready, Refused> {
        let Some(query) = request.query.filter(|q| !q.trim().is_empty()) else {
            return Err(Refused::new("BAD_REQUEST", "the request has no query"));
        };
        let identity = match &self.authenticator {
            None => Identity::default(),
            Some(auth) => auth
                .authenticate(headers)
                .map_err(|message| Refused::new("UNAUTHENTICATED", message))?,
        };
        let variables = request.variables.unwrap_or_default();
        let (document, document_key) = self.document(&query)?;
        let coerced = coerce(
            &self.supergraph,
            document.valid.clone(),
            request.operation_name.as_deref(),
            variables,
        )?;
        if coerced.introspection && !self.config.introspection {
            return Err(Refused::new(
                "GRAPHQL_VALIDATION_FAILED",
                "introspection is disabled",
            ));
        }
        let key = plan_key(
            &query,
            coerced.operation_name.as_deref(),
            &coerced.variables,
            &identity,
        );
        let (planned, plan_is_new) = match self.plans.get(&key) {
            Some(planned) => (planned, false),
            None => (Arc::new(self.plan_operation(&coerced, &identity)?), true),
        };
        let estimated = self
            .coster(&coerced.variables)
            .map(|c| c.estimate(&planned.operation));
        if let Some(estimated) = estimated.filter(|e| self.over_budget(*e)) {
            return Err(Refused {
                error: RequestError {
                    code: "COST_ESTIMATED_TOO_EXPENSIVE",
                    message: format!(
                        "the operation's estimated cost is {estimated}; the limit is {}",
                        self.config.cost.max
                    ),
                },
                cost: Some(self.cost_report(estimated, None)),
            });
        }
        // Only what passed every limit is kept.
        if let Some(key) = document_key {
            self.documents.insert(key, document);
        }
        if plan_is_new {
            self.plans.insert(key, planned.clone());
        }
        Ok(Ready {
            coerced,
            planned,
            estimated,
        })
    }

    /// Executes a prepared request against the subgraphs and shapes the response.
    pub async fn run(&self, ready: Ready, headers: &HeaderMap) -> GraphqlResponse {
        let Ready {
            coerced,
            planned,
            estimated,
        } = ready;
        let introspection = coerced
            .introspection
            .then(|| self.introspect(&coerced))
            .flatten();
        let ctx = ExecutionContextOwned {
            supergraph: &self.supergraph,
            client: &self.client,
            replicas: &self.replicas,
            answers: &self.answers,
            inflight: self
                .config
                .deduplicate_subgraph_queries
                .then_some(&self.inflight),
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
        let actual = self
            .coster(&coerced.variables)
            .map(|c| c.actual(&planned.operation, &data));
        let mut body = Map::new();
        body.insert("data".into(), data);
        if !all_errors.is_empty() {
            body.insert("errors".into(), Value::Array(all_errors));
        }
        if let Some(estimated) = estimated {
            body.insert(
                "extensions".into(),
                json!({ "cost": self.cost_report(estimated, actual) }),
            );
        }
        GraphqlResponse {
            body: Value::Object(body),
            request_error: false,
        }
    }

    /// The validated document, from the cache or freshly parsed; a fresh one comes with the
    /// key to cache it under once the operation passed every limit.
    fn document(&self, query: &str) -> Result<(Arc<Document>, Option<CacheKey>), RequestError> {
        let key = cache_key(&[query.as_bytes()]);
        if let Some(document) = self.documents.get(&key) {
            return Ok((document, None));
        }
        let valid = Arc::new(parse_and_validate(
            &self.supergraph,
            query,
            &self.config.limits,
        )?);
        let document = Arc::new(Document {
            valid,
            weight: weight(query.len().saturating_mul(DOCUMENT_BYTES_PER_QUERY_BYTE)),
        });
        Ok((document, Some(key)))
    }

    /// Normalizes within the limits, applies the caller's authorization, plans.
    fn plan_operation(
        &self,
        coerced: &Coerced,
        identity: &Identity,
    ) -> Result<Planned, RequestError> {
        let mut operation =
            normalize_within_limits(&self.supergraph, coerced, &self.config.limits)?;
        let auth_errors = authorize(&self.supergraph, &mut operation.selection, identity);
        let plan =
            plan_within(&self.supergraph, &operation, self.config.plan_budget).map_err(|err| {
                RequestError {
                    code: "GRAPHQL_VALIDATION_FAILED",
                    message: err.to_string(),
                }
            })?;
        let fields = crate::pipeline::limits::fields(&operation.selection);
        Ok(Planned {
            operation,
            plan,
            auth_errors,
            weight: weight(fields.saturating_mul(PLAN_BYTES_PER_FIELD)),
        })
    }

    fn coster<'a>(&'a self, variables: &'a Map<String, Value>) -> Option<Coster<'a>> {
        (self.config.cost.mode != CostMode::Off).then(|| Coster {
            schema: &self.supergraph.api,
            model: &self.cost_model,
            limits: &self.config.cost,
            variables,
        })
    }

    fn over_budget(&self, estimated: f64) -> bool {
        self.config.cost.mode == CostMode::Enforce && estimated > self.config.cost.max as f64
    }

    fn cost_report(&self, estimated: f64, actual: Option<f64>) -> Value {
        let mode = match self.config.cost.mode {
            CostMode::Enforce => "enforce",
            CostMode::Measure => "measure",
            CostMode::Off => "off",
        };
        json!({
            "estimated": estimated,
            "actual": actual,
            "max": self.config.cost.max,
            "mode": mode,
        })
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

/// A cache entry's weight in bytes, as moka counts it.
fn weight(bytes: usize) -> u32 {
    u32::try_from(bytes).unwrap_or(u32::MAX)
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
