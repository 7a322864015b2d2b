//! The router over HTTP: `POST /graphql` (JSON), `GET /graphql` (queries, or GraphiQL for a
//! browser), `GET /health`.

mod forwarded;
mod graphiql;

use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router as Routes;
use axum::body::Body;
use axum::extract::{ConnectInfo, Query, Request, State};
use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde_json::{Map, Value, json};
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

use crate::service::{GraphqlRequest, GraphqlResponse, Router};

const GRAPHQL_RESPONSE_JSON: &str = "application/graphql-response+json";
/// Request headers passed on to subgraphs.
const FORWARDED: [&str; 4] = ["authorization", "x-request-id", "traceparent", "tracestate"];

pub fn routes(router: Arc<Router>) -> Routes {
    Routes::new()
        .route("/graphql", get(graphql_get).post(graphql_post))
        .route("/graphql/assets/{name}", get(graphiql::asset))
        .route(
            "/health",
            get(|| async { axum::Json(json!({ "status": "ok" })) }),
        )
        .with_state(router)
}

/// Serves until `shutdown`, then drains in-flight requests.
pub async fn serve(
    listener: TcpListener,
    router: Arc<Router>,
    shutdown: CancellationToken,
) -> std::io::Result<()> {
    axum::serve(
        listener,
        routes(router).into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(async move { shutdown.cancelled().await })
    .await
}

async fn graphql_post(State(router): State<Arc<Router>>, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    let limit = router.config().max_body_bytes;
    let bytes = match axum::body::to_bytes(Body::new(body), limit).await {
        Ok(bytes) => bytes,
        Err(_) => {
            return plain_error(
                StatusCode::PAYLOAD_TOO_LARGE,
                "PAYLOAD_TOO_LARGE",
                &format!("request body is larger than {limit} bytes"),
            );
        }
    };
    let request: GraphqlRequest = match serde_json::from_slice(&bytes) {
        Ok(request) => request,
        Err(_) => {
            return plain_error(
                StatusCode::BAD_REQUEST,
                "BAD_REQUEST",
                "the body must be a JSON object with a `query` string",
            );
        }
    };
    let forwarded = forwarded_headers(
        &parts.headers,
        peer(&parts.extensions),
        &router.config().trusted_proxies,
    );
    respond(&parts.headers, router.execute(request, &forwarded).await)
}

#[derive(serde::Deserialize)]
#[serde(rename_all = "camelCase")]
struct GetParams {
    query: Option<String>,
    operation_name: Option<String>,
    variables: Option<String>,
    extensions: Option<String>,
}

async fn graphql_get(
    State(router): State<Arc<Router>>,
    Query(params): Query<GetParams>,
    request: Request,
) -> Response {
    let headers = request.headers();
    let wants_html = headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|a| a.contains("text/html"));
    if params.query.is_none() && wants_html {
        return graphiql::page();
    }
    let parse_object = |text: Option<&str>| -> Result<Option<Map<String, Value>>, ()> {
        match text {
            None | Some("") => Ok(None),
            Some(t) => serde_json::from_str::<Map<String, Value>>(t)
                .map(Some)
                .map_err(|_| ()),
        }
    };
    let (Ok(variables), Ok(extensions)) = (
        parse_object(params.variables.as_deref()),
        parse_object(params.extensions.as_deref()),
    ) else {
        return plain_error(
            StatusCode::BAD_REQUEST,
            "BAD_REQUEST",
            "`variables` and `extensions` must be JSON objects",
        );
    };
    let mutation = params
        .query
        .as_deref()
        .is_some_and(|q| looks_like_mutation(q, params.operation_name.as_deref()));
    if mutation {
        return plain_error(
            StatusCode::METHOD_NOT_ALLOWED,
            "BAD_REQUEST",
            "mutations must be sent with POST",
        );
    }
    let graphql = GraphqlRequest {
        query: params.query,
        operation_name: params.operation_name,
        variables,
        extensions,
    };
    let forwarded = forwarded_headers(
        headers,
        peer(request.extensions()),
        &router.config().trusted_proxies,
    );
    respond(headers, router.execute(graphql, &forwarded).await)
}

/// GET must not change anything: refuse documents whose chosen operation is a mutation.
fn looks_like_mutation(query: &str, operation_name: Option<&str>) -> bool {
    let Ok(document) = apollo_compiler::ast::Document::parse(query, "get.graphql") else {
        return false;
    };
    document.definitions.iter().any(|d| match d {
        apollo_compiler::ast::Definition::OperationDefinition(op) => {
            op.operation_type == apollo_compiler::ast::OperationType::Mutation
                && (operation_name.is_none() || op.name.as_deref() == operation_name)
        }
        _ => false,
    })
}

fn peer(extensions: &axum::http::Extensions) -> Option<SocketAddr> {
    extensions.get::<ConnectInfo<SocketAddr>>().map(|c| c.0)
}

fn forwarded_headers(
    headers: &HeaderMap,
    peer: Option<SocketAddr>,
    trusted_proxies: &[ipnet::IpNet],
) -> HeaderMap {
    let mut out = HeaderMap::new();
    for name in FORWARDED {
        if let Some(value) = headers.get(name) {
            out.insert(HeaderName::from_static(name), value.clone());
        }
    }
    let request_id = out.get("x-request-id").cloned().unwrap_or_else(|| {
        HeaderValue::from_str(&uuid::Uuid::now_v7().to_string())
            .unwrap_or(HeaderValue::from_static("-"))
    });
    out.insert("x-request-id", request_id);
    // The client's address, for per-address limits in subgraphs: resolved here, sent alone,
    // never the chain the client wrote.
    if let Some(peer) = peer {
        let chain: Vec<&str> = headers
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .collect();
        let client = forwarded::client_address(peer.ip(), chain.into_iter(), trusted_proxies);
        if let Ok(value) = HeaderValue::from_str(&client.to_string()) {
            out.insert("x-forwarded-for", value);
        }
    }
    out
}

fn respond(headers: &HeaderMap, response: GraphqlResponse) -> Response {
    let graphql_response = headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|a| a.contains(GRAPHQL_RESPONSE_JSON));
    let status = if graphql_response && response.request_error {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::OK
    };
    let content_type = if graphql_response {
        GRAPHQL_RESPONSE_JSON
    } else {
        "application/json"
    };
    let mut http = (status, axum::Json(response.body)).into_response();
    http.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    http
}

fn plain_error(status: StatusCode, code: &str, message: &str) -> Response {
    (
        status,
        axum::Json(json!({ "errors": [{ "message": message, "extensions": { "code": code } }] })),
    )
        .into_response()
}
