//! Starting subgraphs: what a subgraph declares (`SubgraphDef`), the shared infrastructure of
//! one process (`Platform`), and what a subgraph is handed to build itself (`Runtime`).
//!
//! Start-up is two-phase: every subgraph is prepared (database migrated, schema built, event
//! consumers subscribed) before any outbox relay or listener starts, so no event published
//! at start-up misses a consumer of the same process.

use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;

use anyhow::Context as _;
use axum::Router;
use futures::future::BoxFuture;
use sea_orm::{DatabaseConnection, DbErr};
use tokio::net::TcpListener;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use crate::auth::{Keys, TokenIssuer, TokenVerifier};
use crate::config::{JwtSettings, Section, Settings};
use crate::counters::{self, Counters};
use crate::events::outbox::Outbox;
use crate::events::retries::Consumers;
use crate::events::{self, EventBus, EventHandler};
use crate::http::{GraphqlEndpoint, health_routes, with_request_ids};

/// A subgraph, as the launcher sees it.
pub struct SubgraphDef {
    /// Also its place in the port table (`config::PORT_TABLE`), which gives its port.
    pub name: &'static str,
    /// Whether it signs access tokens (only accounts).
    pub signs_tokens: bool,
    /// Brings its database schema up to date.
    pub migrate: for<'a> fn(&'a DatabaseConnection) -> BoxFuture<'a, Result<(), DbErr>>,
    /// Builds its HTTP routes (`/graphql`), subscribing its event consumers on the way.
    pub build: fn(Runtime) -> BoxFuture<'static, anyhow::Result<Router>>,
    /// Its SDL as published through `_service { sdl }`.
    pub sdl: fn() -> String,
}

/// Everything a subgraph gets to build itself.
#[derive(Clone)]
pub struct Runtime {
    pub name: &'static str,
    /// Read through `section` and the accessors below: a domain sees its own section only.
    pub(crate) settings: Arc<Settings>,
    pub db: DatabaseConnection,
    /// The SQL `db` runs, when a test switches recording on.
    pub queries: crate::db::QueryLog,
    pub bus: Arc<dyn EventBus>,
    pub outbox: Outbox,
    /// This subgraph's event consumers, with their retries and dead letters.
    pub consumers: Consumers,
    pub keys: Arc<Keys>,
    pub verifier: TokenVerifier,
    pub counters: Arc<dyn Counters>,
    pub shutdown: CancellationToken,
}

/// What a domain may read of the configuration: its own section, and what the whole
/// platform shares (the shop's currency, the data directory, token lifetimes, secrets).
impl Runtime {
    /// The domain's own section (`[orders]`, `[payments]`, ...).
    pub fn section<S: Section>(&self) -> &S {
        S::of(&self.settings)
    }

    /// The shop's currency (ISO 4217).
    pub fn currency(&self) -> &str {
        &self.settings.currency
    }

    /// The base URL of another service, or of this one as others reach it.
    pub fn service_url(&self, name: &str) -> Option<String> {
        self.settings.service_url(name)
    }

    /// Where the embedded mode keeps files.
    pub fn data_dir(&self) -> &Path {
        &self.settings.data_dir
    }

    pub fn jwt(&self) -> &JwtSettings {
        &self.settings.jwt
    }

    /// Signs access tokens (the subgraph must have been declared `signs_tokens`).
    pub fn token_issuer(&self) -> anyhow::Result<TokenIssuer> {
        self.keys.issuer(&self.settings)
    }

    /// A secret shared with another process: `configured`, or one generated once under the
    /// data directory as `file_name`.
    pub fn shared_secret(
        &self,
        configured: Option<&str>,
        file_name: &str,
    ) -> anyhow::Result<Vec<u8>> {
        crate::auth::shared_secret(&self.settings, configured, file_name)
    }
}

impl Runtime {
    /// Wraps a schema in the standard GraphQL endpoint.
    pub fn graphql_router<E: async_graphql::Executor>(&self, executor: E) -> Router {
        GraphqlEndpoint {
            executor,
            verifier: self.verifier.clone(),
            trusted_proxies: self.settings.security.trusted_proxies.clone(),
            max_body_bytes: self.settings.max_body_bytes,
        }
        .into_router()
    }
}

impl Runtime {
    /// Subscribes an event consumer: a failing event is retried on its own with backoff,
    /// then kept as a dead letter, while later events keep flowing (`events::retries`).
    /// Every subgraph subscribes through here rather than on the bus directly.
    pub async fn subscribe(
        &self,
        consumer: &str,
        subjects: &[&str],
        handler: Arc<dyn EventHandler>,
    ) -> anyhow::Result<()> {
        self.consumers
            .subscribe(self.bus.as_ref(), consumer, subjects, handler)
            .await
    }

    /// Subscribes a consumer that every replica runs in full: for a read model each replica
    /// keeps to itself (see `EventBus::subscribe_each_replica`).
    pub async fn subscribe_each_replica(
        &self,
        consumer: &str,
        subjects: &[&str],
        handler: Arc<dyn EventHandler>,
    ) -> anyhow::Result<()> {
        let instance = self.settings.instance();
        self.consumers
            .subscribe_each_replica(self.bus.as_ref(), consumer, &instance, subjects, handler)
            .await
    }

    /// A client for other services' internal endpoints, calling as this subgraph.
    pub fn internal_client(&self) -> crate::internal::InternalClient {
        crate::internal::InternalClient::new(
            self.name,
            self.keys.service_credentials(),
            self.settings.clone(),
        )
    }

    /// Puts this subgraph's internal endpoints behind the service-credential check.
    pub fn internal_router(&self, routes: Router) -> Router {
        crate::internal::protect(routes, self.keys.service_credentials(), self.name)
    }
}

/// The infrastructure one process shares between its subgraphs.
#[derive(Clone)]
pub struct Platform {
    pub settings: Arc<Settings>,
    pub bus: Arc<dyn EventBus>,
    pub counters: Arc<dyn Counters>,
    pub shutdown: CancellationToken,
}

impl Platform {
    /// Connects the bus and counters the settings ask for.
    pub async fn new(settings: Settings, shutdown: CancellationToken) -> anyhow::Result<Self> {
        let bus = events::connect(settings.nats_url.as_deref(), &settings.nats_prefix).await?;
        let counters = counters::connect(settings.redis_url.as_deref()).await?;
        Ok(Self {
            settings: Arc::new(settings),
            bus,
            counters,
            shutdown,
        })
    }

    /// Phase one: database, migrations, schema, subscriptions.
    pub async fn prepare(
        &self,
        def: &'static SubgraphDef,
        alone: bool,
    ) -> anyhow::Result<PreparedSubgraph> {
        let url = self.settings.database_url_for(def.name, alone);
        let (db, queries) = crate::db::open_logged(&url).await?;
        (def.migrate)(&db)
            .await
            .with_context(|| format!("migrating the {} database failed", def.name))?;
        let keys = Arc::new(Keys::load(&self.settings, def.signs_tokens)?);
        let runtime = Runtime {
            name: def.name,
            settings: self.settings.clone(),
            verifier: keys.verifier(&self.settings)?,
            consumers: Consumers::new(db.clone(), self.settings.events.clone()),
            db,
            queries,
            bus: self.bus.clone(),
            outbox: Outbox::new(self.settings.fault_abort_after_commit.clone()),
            keys,
            counters: self.counters.clone(),
            shutdown: self.shutdown.clone(),
        };
        let routes = (def.build)(runtime.clone())
            .await
            .with_context(|| format!("starting the {} subgraph failed", def.name))?;
        Ok(PreparedSubgraph {
            def,
            runtime,
            routes,
        })
    }
}

pub struct PreparedSubgraph {
    pub def: &'static SubgraphDef,
    pub runtime: Runtime,
    routes: Router,
}

/// A subgraph serving requests.
pub struct RunningSubgraph {
    pub name: &'static str,
    pub addr: SocketAddr,
    pub runtime: Runtime,
    server: JoinHandle<std::io::Result<()>>,
    relay: JoinHandle<()>,
    retries: JoinHandle<()>,
}

impl PreparedSubgraph {
    /// Phase two: listen on the subgraph's port from the settings (and on its internal port,
    /// when internal ports are in use).
    pub async fn start(self) -> anyhow::Result<RunningSubgraph> {
        let settings = &self.runtime.settings;
        let addr = settings
            .subgraph_addr(self.def.name)
            .with_context(|| format!("{} has no place in the port table", self.def.name))?;
        let internal = match settings.internal_addr(self.def.name) {
            Some(addr) => Some(TcpListener::bind(addr).await.with_context(|| {
                format!(
                    "cannot listen on {addr} for the {} subgraph's internal endpoints",
                    self.def.name
                )
            })?),
            None => None,
        };
        let listener = TcpListener::bind(addr).await.with_context(|| {
            format!("cannot listen on {addr} for the {} subgraph", self.def.name)
        })?;
        self.serve_split(listener, internal)
    }

    /// Phase two on an explicit address (port 0 picks a free one).
    pub async fn start_on(self, addr: SocketAddr) -> anyhow::Result<RunningSubgraph> {
        let listener = TcpListener::bind(addr).await.with_context(|| {
            format!("cannot listen on {addr} for the {} subgraph", self.def.name)
        })?;
        self.serve(listener)
    }

    /// Phase two on a listener already bound (so others could be told its port first).
    pub fn serve(self, listener: TcpListener) -> anyhow::Result<RunningSubgraph> {
        self.serve_split(listener, None)
    }

    /// Serves on `listener`; with `internal`, `/internal/*` only there (and not on `listener`).
    fn serve_split(
        self,
        listener: TcpListener,
        internal: Option<TcpListener>,
    ) -> anyhow::Result<RunningSubgraph> {
        let addr = listener.local_addr()?;
        let runtime = self.runtime;
        let relay = runtime.outbox.spawn_relay(
            runtime.db.clone(),
            runtime.bus.clone(),
            runtime.shutdown.clone(),
        );
        let retries = runtime.consumers.spawn_worker(runtime.shutdown.clone());
        let app = with_request_ids(self.routes.merge(health_routes(runtime.db.clone())));
        let shutdown = runtime.shutdown.clone();
        let server = match internal {
            None => tokio::spawn(crate::http::serve(listener, app, shutdown)),
            Some(internal) => {
                let public = crate::http::only_public(app.clone());
                let private = crate::http::only_internal(app);
                tokio::spawn(async move {
                    let (public, private) = tokio::join!(
                        crate::http::serve(listener, public, shutdown.clone()),
                        crate::http::serve(internal, private, shutdown),
                    );
                    public.and(private)
                })
            }
        };
        tracing::info!(subgraph = self.def.name, %addr, "subgraph listening");
        Ok(RunningSubgraph {
            name: self.def.name,
            addr,
            runtime,
            server,
            relay,
            retries,
        })
    }
}

impl RunningSubgraph {
    pub fn graphql_url(&self) -> String {
        format!("http://{}/graphql", self.addr)
    }

    /// Waits for the server to drain, the relay to flush and the retry worker to stop, then
    /// closes the database.
    pub async fn stopped(self) -> anyhow::Result<()> {
        let served = self.server.await.context("server task panicked")?;
        self.relay.await.context("outbox relay panicked")?;
        self.retries.await.context("event retry worker panicked")?;
        self.runtime.db.close().await.ok();
        served.with_context(|| format!("the {} subgraph's server failed", self.name))
    }
}

/// A token cancelled by SIGINT or SIGTERM.
pub fn shutdown_on_signal() -> CancellationToken {
    let token = CancellationToken::new();
    let trigger = token.clone();
    tokio::spawn(async move {
        let ctrl_c = tokio::signal::ctrl_c();
        #[cfg(unix)]
        {
            let mut term =
                match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                    Ok(term) => term,
                    Err(err) => {
                        tracing::warn!(error = %err, "cannot listen for SIGTERM");
                        let _ = ctrl_c.await;
                        trigger.cancel();
                        return;
                    }
                };
            tokio::select! {
                _ = ctrl_c => {}
                _ = term.recv() => {}
            }
        }
        #[cfg(not(unix))]
        let _ = ctrl_c.await;
        tracing::info!("shutting down: finishing in-flight requests");
        trigger.cancel();
    });
    token
}
