//! A real HTTP proxy between payments and the payment sandbox, standing in for the network
//! to a payment provider: it forwards calls, records them, can be taken down (connections
//! refused) and brought back on the same address, can answer late (after the provider
//! already acted), as a timeout on a slow network does, and can fail some calls with 503.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use serde_json::Value;
use tokio_util::sync::CancellationToken;

#[derive(Default)]
struct Shared {
    /// The sandbox's base URL.
    target: String,
    /// Calls whose path starts with this are answered only after this delay.
    late: Option<(String, Duration)>,
    /// Calls whose path starts with this are answered 503 without reaching the provider.
    refused: Option<String>,
    /// Every forwarded call: method, path, JSON body.
    forwarded: Vec<(String, String, Value)>,
}

pub struct ProviderProxy {
    pub addr: SocketAddr,
    shared: Arc<Mutex<Shared>>,
    running: Option<(CancellationToken, tokio::task::JoinHandle<()>)>,
}

impl ProviderProxy {
    /// A proxy on a free port, up, not yet pointing anywhere.
    pub async fn start() -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let mut proxy = Self {
            addr: listener.local_addr().unwrap(),
            shared: Arc::default(),
            running: None,
        };
        proxy.serve(listener);
        proxy
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn forward_to(&self, target: &str) {
        self.shared.lock().unwrap().target = target.to_owned();
    }

    /// Calls to `path` reach the provider, which acts on them, but are answered `delay` late.
    pub fn answer_late(&self, path: &str, delay: Duration) {
        self.shared.lock().unwrap().late = Some((path.to_owned(), delay));
    }

    pub fn answer_on_time(&self) {
        self.shared.lock().unwrap().late = None;
    }

    /// Calls to `path` fail with 503 Service Unavailable and never reach the provider.
    pub fn unavailable(&self, path: &str) {
        self.shared.lock().unwrap().refused = Some(path.to_owned());
    }

    pub fn available(&self) {
        self.shared.lock().unwrap().refused = None;
    }

    /// The bodies of the calls forwarded to `path`, in order.
    pub fn forwarded(&self, path: &str) -> Vec<Value> {
        self.shared
            .lock()
            .unwrap()
            .forwarded
            .iter()
            .filter(|(method, p, _)| method == "POST" && p == path)
            .map(|(_, _, body)| body.clone())
            .collect()
    }

    /// The provider becomes unreachable: connections are refused.
    pub async fn down(&mut self) {
        if let Some((stop, server)) = self.running.take() {
            stop.cancel();
            let _ = server.await;
        }
    }

    /// The provider is reachable again, on the same address.
    pub async fn up(&mut self) {
        if self.running.is_none() {
            let listener = tokio::net::TcpListener::bind(self.addr).await.unwrap();
            self.serve(listener);
        }
    }

    fn serve(&mut self, listener: tokio::net::TcpListener) {
        let stop = CancellationToken::new();
        let app = axum::Router::new()
            .fallback(forward)
            .with_state(self.shared.clone());
        let until = stop.clone();
        let server = tokio::spawn(async move {
            let _ = axum::serve(listener, app)
                .with_graceful_shutdown(async move { until.cancelled().await })
                .await;
        });
        self.running = Some((stop, server));
    }
}

impl Drop for ProviderProxy {
    fn drop(&mut self) {
        if let Some((stop, _)) = &self.running {
            stop.cancel();
        }
    }
}

async fn forward(
    State(shared): State<Arc<Mutex<Shared>>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let path = uri.path().to_owned();
    let (target, late) = {
        let mut shared = shared.lock().unwrap();
        if shared
            .refused
            .as_ref()
            .is_some_and(|prefix| path.starts_with(prefix.as_str()))
        {
            return StatusCode::SERVICE_UNAVAILABLE.into_response();
        }
        shared.forwarded.push((
            method.to_string(),
            path.clone(),
            serde_json::from_slice(&body).unwrap_or(Value::Null),
        ));
        let late = shared
            .late
            .as_ref()
            .filter(|(prefix, _)| path.starts_with(prefix.as_str()))
            .map(|(_, delay)| *delay);
        (shared.target.clone(), late)
    };
    let mut request = reqwest::Client::new()
        .request(method, format!("{target}{uri}"))
        .body(body);
    for name in ["authorization", "content-type"] {
        if let Some(value) = headers.get(name) {
            request = request.header(name, value);
        }
    }
    let Ok(answer) = request.send().await else {
        return StatusCode::BAD_GATEWAY.into_response();
    };
    let status = answer.status();
    let content_type = answer.headers().get("content-type").cloned();
    let body = answer.bytes().await.unwrap_or_default();
    if let Some(delay) = late {
        tokio::time::sleep(delay).await;
    }
    let mut response = (status, body).into_response();
    if let Some(content_type) = content_type {
        response.headers_mut().insert("content-type", content_type);
    }
    response
}
