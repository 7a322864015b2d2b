//! `micromall router`: the federation router on its own, and its plan printer.

use std::path::Path;
use std::sync::Arc;

use anyhow::{Context as _, anyhow, bail};
use micromall_kit::auth::{Keys, TokenVerifier};
use micromall_kit::config::{self, Settings};
use micromall_kit::platform::shutdown_on_signal;
use micromall_router::pipeline::authorization::Identity;
use micromall_router::pipeline::cost::{CostLimits, CostMode};
use micromall_router::pipeline::limits::Limits;
use micromall_router::{Authenticator, GraphqlRequest, Router, RouterConfig, Supergraph};
use reqwest::header::{AUTHORIZATION, HeaderMap, HeaderValue};
use serde_json::{Map, Value};
use tokio::net::TcpListener;

use crate::cli::RouterAction;

/// Verifies Micromall access tokens for the router's `@authenticated` / `@requiresScopes`.
pub struct JwtAuthenticator(pub TokenVerifier);

impl Authenticator for JwtAuthenticator {
    fn authenticate(&self, headers: &HeaderMap) -> Result<Identity, String> {
        let Some(value) = headers.get("authorization") else {
            return Ok(Identity::default());
        };
        let value = value
            .to_str()
            .map_err(|_| "malformed Authorization header".to_owned())?;
        let token = match value.split_once(' ') {
            Some((scheme, token))
                if scheme.eq_ignore_ascii_case("bearer") && !token.trim().is_empty() =>
            {
                token.trim()
            }
            _ => return Err("Authorization must be `Bearer <access token>`".into()),
        };
        let viewer = self.0.viewer(token).map_err(|e| e.to_string())?;
        Ok(Identity {
            authenticated: true,
            scopes: viewer.scopes,
            policies: Default::default(),
        })
    }
}

pub fn load_supergraph(path: &Path) -> anyhow::Result<Supergraph> {
    let sdl =
        std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    Supergraph::parse(&sdl)
        .with_context(|| format!("cannot load the supergraph {}", path.display()))
}

/// The router's configuration from Micromall's settings (`[router]`, `MICROMALL_ROUTER_*`).
pub fn router_config(settings: &Settings) -> RouterConfig {
    let router = &settings.router;
    RouterConfig {
        limits: Limits {
            max_depth: router.max_depth,
            max_aliases: router.max_aliases,
            max_query_bytes: router.max_query_bytes,
            max_fields: router.max_fields,
        },
        cost: CostLimits {
            mode: match router.cost_mode {
                config::CostMode::Enforce => CostMode::Enforce,
                config::CostMode::Measure => CostMode::Measure,
                config::CostMode::Off => CostMode::Off,
            },
            max: router.max_cost,
            list_size: router.list_size,
        },
        subgraph_timeout: router.subgraph_timeout,
        max_subgraph_response_bytes: router.max_subgraph_response_bytes,
        document_cache_bytes: router.document_cache_bytes,
        plan_cache_bytes: router.plan_cache_bytes,
        introspection: router.introspection,
        plan_budget: router.plan_budget,
        max_body_bytes: settings.max_body_bytes,
        trusted_proxies: settings.security.router_trusted_proxies.networks().to_vec(),
        subgraph_urls: router
            .subgraph_urls
            .iter()
            .map(|(name, urls)| (name.clone(), urls.clone()))
            .collect(),
        health_path: router.health_path.clone(),
        subgraph_cache_bytes: router.subgraph_cache_bytes,
        deduplicate_subgraph_queries: router.deduplicate_subgraph_queries,
    }
}

/// What `router plan` prints: the request goes through every stage a served one does
/// (authentication, validation, limits, authorization, planning, cost), then stops short of
/// calling any subgraph.
fn plan_report(
    router: &Router,
    request: GraphqlRequest,
    token: Option<&str>,
) -> anyhow::Result<String> {
    let mut headers = HeaderMap::new();
    if let Some(token) = token {
        let value = HeaderValue::from_str(&format!("Bearer {token}"))
            .context("the token is not a valid header value")?;
        headers.insert(AUTHORIZATION, value);
    }
    let ready = router
        .prepare_request(request, &headers)
        .map_err(|refused| anyhow!("{}: {}", refused.error.code, refused.error.message))?;
    let mut report = ready.plan().display();
    let errors = ready.authorization_errors();
    if !errors.is_empty() {
        report.push_str("Left out of the plan:\n");
        for error in errors {
            report.push_str(&format!("  {}\n", describe_error(error)));
        }
    }
    match ready.estimated_cost() {
        Some(cost) => report.push_str(&format!("Estimated cost: {cost}\n")),
        None => report.push_str("Estimated cost: not computed (cost mode off)\n"),
    }
    Ok(report)
}

/// `CODE at a.b: message`, from a GraphQL error.
fn describe_error(error: &Value) -> String {
    let code = error["extensions"]["code"].as_str().unwrap_or("ERROR");
    let path: Vec<String> = error["path"]
        .as_array()
        .map(|steps| {
            steps
                .iter()
                .map(|step| match step {
                    Value::String(key) => key.clone(),
                    other => other.to_string(),
                })
                .collect()
        })
        .unwrap_or_default();
    let message = error["message"].as_str().unwrap_or_default();
    format!("{code} at {}: {message}", path.join("."))
}

/// The query text, or the file it names with `@FILE`.
fn read_query(query: String) -> anyhow::Result<String> {
    match query.strip_prefix('@') {
        Some(file) => std::fs::read_to_string(file).with_context(|| format!("cannot read {file}")),
        None => Ok(query),
    }
}

fn parse_variables(json: &str) -> anyhow::Result<Map<String, Value>> {
    match serde_json::from_str(json).context("--variables is not JSON")? {
        Value::Object(variables) => Ok(variables),
        _ => bail!("--variables must be a JSON object"),
    }
}

pub fn authenticator(settings: &Settings) -> anyhow::Result<Arc<dyn Authenticator>> {
    let keys = Keys::load(settings, false)?;
    Ok(Arc::new(JwtAuthenticator(keys.verifier(settings)?)))
}

pub async fn run(
    settings: Settings,
    supergraph: Option<&Path>,
    action: Option<RouterAction>,
) -> anyhow::Result<()> {
    let Some(path) = supergraph else {
        bail!("--supergraph FILE is required");
    };
    let supergraph = load_supergraph(path)?;
    let router = Router::new(
        supergraph,
        router_config(&settings),
        Some(authenticator(&settings)?),
    );
    match action {
        Some(RouterAction::Plan {
            query,
            operation_name,
            variables,
            token,
        }) => {
            let request = GraphqlRequest {
                query: Some(read_query(query)?),
                operation_name,
                variables: variables.as_deref().map(parse_variables).transpose()?,
                extensions: None,
            };
            print!("{}", plan_report(&router, request, token.as_deref())?);
            Ok(())
        }
        None => {
            let listener = TcpListener::bind(settings.router_listen)
                .await
                .with_context(|| format!("cannot listen on {}", settings.router_listen))?;
            tracing::info!(addr = %settings.router_listen, "router listening");
            micromall_router::http::serve(listener, Arc::new(router), shutdown_on_signal()).await?;
            Ok(())
        }
    }
}
