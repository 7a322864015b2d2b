//! `POST /graphql` for a subgraph.
//!
//! The body is untrusted: its size is capped (413 beyond), it must be a JSON GraphQL request
//! (400 otherwise), and a bearer token that is present must be valid (401 otherwise; absent
//! means anonymous). The caller's identity and address travel to resolvers as request data.
//! Service credentials count for nothing here: they open `/internal/*` only, so a leaked one
//! never reads customers' data through the public schema.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

use async_graphql::Executor;
use axum::Router;
use axum::body::Body;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use serde_json::json;

use super::request_id::{REQUEST_ID, REQUEST_ID_HEADER};
use crate::auth::{ClientAddr, TokenError, TokenVerifier, Viewer};
use crate::forwarded::TrustedProxies;

const GRAPHQL_RESPONSE_JSON: &str = "application/graphql-response+json";
/// Header carrying a service credential on internal calls.
pub const SERVICE_TOKEN_HEADER: &str = "micromall-service-token";

/// What the endpoint needs besides the schema.
pub struct GraphqlEndpoint<E> {
    pub executor: E,
    pub verifier: TokenVerifier,
    /// Peers (the router) whose `X-Forwarded-For` names the client.
    pub trusted_proxies: TrustedProxies,
    pub max_body_bytes: usize,
}

impl<E: Executor> GraphqlEndpoint<E> {
    pub fn into_router(self) -> Router {
        Router::new()
            .route("/graphql", post(execute::<E>))
            .with_state(Arc::new(self))
    }
}

/// A GraphQL-shaped error body: `{"errors":[{"message", "extensions":{"code"}}]}`.
pub fn error_body(code: &str, message: &str) -> serde_json::Value {
    json!({ "errors": [{ "message": message, "extensions": { "code": code } }] })
}

fn error_response(status: StatusCode, code: &str, message: &str) -> Response {
    (status, axum::Json(error_body(code, message))).into_response()
}

async fn execute<E: Executor>(
    State(endpoint): State<Arc<GraphqlEndpoint<E>>>,
    request: Request,
) -> Response {
    let (parts, body) = request.into_parts();
    let peer = parts
        .extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|ConnectInfo(addr)| addr.ip());
    let request_id = parts
        .headers
        .get(REQUEST_ID_HEADER)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("-")
        .to_owned();

    let bytes = match axum::body::to_bytes(Body::new(body), endpoint.max_body_bytes).await {
        Ok(bytes) => bytes,
        Err(_) => {
            return error_response(
                StatusCode::PAYLOAD_TOO_LARGE,
                "PAYLOAD_TOO_LARGE",
                &format!(
                    "request body is larger than {} bytes",
                    endpoint.max_body_bytes
                ),
            );
        }
    };
    let gql_request: async_graphql::Request = match serde_json::from_slice(&bytes) {
        Ok(req) => req,
        Err(_) => {
            return error_response(
                StatusCode::BAD_REQUEST,
                "BAD_REQUEST",
                "the body must be a JSON object with a `query` string",
            );
        }
    };

    let viewer = match bearer_token(&parts.headers) {
        Ok(None) => Viewer::anonymous(),
        Ok(Some(token)) => match endpoint.verifier.viewer(token) {
            Ok(viewer) => viewer,
            Err(err) => {
                let message = match err {
                    TokenError::Expired => "access token has expired",
                    TokenError::Invalid => "access token is invalid",
                };
                return error_response(StatusCode::UNAUTHORIZED, "UNAUTHENTICATED", message);
            }
        },
        Err(message) => {
            return error_response(StatusCode::UNAUTHORIZED, "UNAUTHENTICATED", message);
        }
    };
    let client = ClientAddr(client_ip(&parts.headers, peer, &endpoint.trusted_proxies));

    let gql_request = gql_request.data(viewer).data(client);
    let response = REQUEST_ID
        .scope(request_id, endpoint.executor.execute(gql_request))
        .await;

    let content_type = if accepts_graphql_response(&parts.headers) {
        GRAPHQL_RESPONSE_JSON
    } else {
        "application/json"
    };
    // What the schema's cache hints allow a shared cache to keep (the router keeps answers
    // for anonymous callers); an answer with errors is never kept.
    let cache_control = response
        .cache_control
        .value()
        .filter(|_| response.errors.is_empty())
        .and_then(|value| HeaderValue::from_str(&value).ok());
    let mut http = axum::Json(response).into_response();
    http.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    if let Some(value) = cache_control {
        http.headers_mut().insert(header::CACHE_CONTROL, value);
    }
    http
}

fn bearer_token(headers: &HeaderMap) -> Result<Option<&str>, &'static str> {
    let Some(value) = headers.get(header::AUTHORIZATION) else {
        return Ok(None);
    };
    let value = value
        .to_str()
        .map_err(|_| "malformed Authorization header")?;
    match value.split_once(' ') {
        Some((scheme, token))
            if scheme.eq_ignore_ascii_case("bearer") && !token.trim().is_empty() =>
        {
            Ok(Some(token.trim()))
        }
        _ => Err("Authorization must be `Bearer <access token>`"),
    }
}

fn client_ip(
    headers: &HeaderMap,
    peer: Option<IpAddr>,
    trusted_proxies: &TrustedProxies,
) -> Option<IpAddr> {
    let values: Vec<&str> = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .collect();
    peer.map(|peer| trusted_proxies.client(peer, values.into_iter()))
}

fn accepts_graphql_response(headers: &HeaderMap) -> bool {
    headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|accept| accept.contains(GRAPHQL_RESPONSE_JSON))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bearer_tokens_are_parsed_strictly() {
        let mut headers = HeaderMap::new();
        assert_eq!(bearer_token(&headers), Ok(None));
        headers.insert(
            header::AUTHORIZATION,
            HeaderValue::from_static("Bearer abc"),
        );
        assert_eq!(bearer_token(&headers), Ok(Some("abc")));
        headers.insert(header::AUTHORIZATION, HeaderValue::from_static("Basic abc"));
        assert!(bearer_token(&headers).is_err());
        headers.insert(header::AUTHORIZATION, HeaderValue::from_static("Bearer "));
        assert!(bearer_token(&headers).is_err());
    }

    #[test]
    fn forwarded_for_is_believed_only_from_trusted_proxies() {
        let mut headers = HeaderMap::new();
        headers.insert(
            "x-forwarded-for",
            HeaderValue::from_static("198.51.100.1, 203.0.113.9"),
        );
        let router = Some("127.0.0.1".parse().unwrap());
        let stranger = Some("192.0.2.50".parse().unwrap());
        let loopback = TrustedProxies::loopback();
        assert_eq!(
            client_ip(&headers, router, &loopback),
            Some("203.0.113.9".parse().unwrap())
        );
        assert_eq!(client_ip(&headers, stranger, &loopback), stranger);
        assert_eq!(
            client_ip(&headers, router, &TrustedProxies::default()),
            router
        );
    }
}
