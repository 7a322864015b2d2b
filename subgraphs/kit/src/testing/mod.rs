//! Test support: a fresh database per test on SQLite and, when `MICROMALL_TEST_POSTGRES_URL`
//! is set, on PostgreSQL; and a subgraph started on a free port with real HTTP.

mod client;

pub use client::{
    GraphqlClient, access_token, codes, error_code, eventually, internal_call, new_user,
    service_token,
};

use std::path::PathBuf;
use std::sync::Arc;

use sea_orm::{ConnectionTrait, Database};
use tokio_util::sync::CancellationToken;

use crate::config::Settings;
use crate::platform::{Platform, RunningSubgraph, SubgraphDef};

/// Which database a test runs against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// A database made for one test.
pub struct TestDatabase {
    pub backend: Backend,
    pub url: String,
    pub dir: PathBuf,
}

impl TestDatabase {
    /// A new, empty database; `None` only for PostgreSQL when no test server is configured.
    /// A configured but unreachable server fails the test.
    pub async fn create(backend: Backend) -> Option<Self> {
        let dir =
            std::env::temp_dir().join(format!("micromall-test-{}", uuid::Uuid::now_v7().simple()));
        std::fs::create_dir_all(&dir).expect("create temp dir");
        match backend {
            Backend::Sqlite => Some(Self {
                backend,
                url: format!("sqlite://{}?mode=rwc", dir.join("test.db").display()),
                dir,
            }),
            Backend::Postgres => {
                let admin_url = std::env::var("MICROMALL_TEST_POSTGRES_URL").ok()?;
                let admin = Database::connect(&admin_url)
                    .await
                    .expect("MICROMALL_TEST_POSTGRES_URL is set but PostgreSQL is unreachable");
                drop_stale_databases(&admin).await;
                let name = format!("mmt_{}", uuid::Uuid::now_v7().simple());
                admin
                    .execute_unprepared(&format!("CREATE DATABASE {name}"))
                    .await
                    .expect("create test database");
                admin.close().await.ok();
                Some(Self {
                    backend,
                    url: replace_database(&admin_url, &name),
                    dir,
                })
            }
        }
    }
}

/// Test databases are named after a UUIDv7, whose first 48 bits are the creation time in ms:
/// ones older than an hour are left-overs of earlier runs and are dropped.
async fn drop_stale_databases(admin: &sea_orm::DatabaseConnection) {
    use sea_orm::{FromQueryResult, Statement};

    #[derive(FromQueryResult)]
    struct Name {
        datname: String,
    }
    let Ok(names) = Name::find_by_statement(Statement::from_string(
        admin.get_database_backend(),
        "SELECT datname FROM pg_database WHERE datname LIKE 'mmt\\_%'",
    ))
    .all(admin)
    .await
    else {
        return;
    };
    let cutoff = chrono::Utc::now().timestamp_millis() - 3_600_000;
    for Name { datname } in names {
        let created = datname
            .get(4..16)
            .and_then(|hex| i64::from_str_radix(hex, 16).ok());
        if created.is_some_and(|ms| ms < cutoff) {
            let _ = admin
                .execute_unprepared(&format!("DROP DATABASE IF EXISTS {datname} WITH (FORCE)"))
                .await;
        }
    }
}

/// Swaps the database name in a PostgreSQL URL.
fn replace_database(url: &str, name: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (url, None),
    };
    let after_scheme = base.find("://").map_or(0, |i| i + 3);
    let base = match base[after_scheme..].find('/') {
        Some(slash) => &base[..after_scheme + slash],
        None => base,
    };
    match query {
        Some(q) => format!("{base}/{name}?{q}"),
        None => format!("{base}/{name}"),
    }
}

/// The backends to run a suite on: always SQLite, plus PostgreSQL when configured.
pub fn backends() -> Vec<Backend> {
    let mut all = vec![Backend::Sqlite];
    if std::env::var("MICROMALL_TEST_POSTGRES_URL").is_ok() {
        all.push(Backend::Postgres);
    }
    all
}

/// Settings for a test: its own data directory, its database for `subgraph`, tuned overrides.
pub fn settings_for(db: &TestDatabase, subgraph: &str) -> Settings {
    let mut settings = Settings {
        data_dir: db.dir.clone(),
        ..Settings::default()
    };
    settings
        .database_urls
        .insert(subgraph.to_owned(), db.url.clone());
    settings
}

/// Starts one subgraph on a free loopback port with an in-process bus.
pub async fn start_subgraph(def: &'static SubgraphDef, settings: Settings) -> TestSubgraph {
    crate::telemetry::install_crypto_provider();
    let shutdown = CancellationToken::new();
    let platform = Platform::new(settings, shutdown.clone())
        .await
        .expect("platform");
    let prepared = platform
        .prepare(def, false)
        .await
        .expect("prepare subgraph");
    let running = prepared
        .start_on(([127, 0, 0, 1], 0).into())
        .await
        .expect("start subgraph");
    TestSubgraph {
        running: Some(running),
        shutdown,
        platform: Arc::new(platform),
    }
}

/// Several subgraphs in one process, as `micromall` runs them: one platform (one event bus),
/// each subgraph on a free loopback port with its own test database, each reaching the
/// others' internal endpoints. Stops when dropped.
pub struct TestStack {
    pub settings: Settings,
    pub platform: Arc<Platform>,
    subgraphs: Vec<RunningSubgraph>,
    pub databases: Vec<TestDatabase>,
    shutdown: CancellationToken,
}

impl TestStack {
    /// Starts `defs` in order (a subgraph's build may call those before it); `tweak` adjusts
    /// the settings first.
    pub async fn start(
        backend: Backend,
        defs: &[&'static SubgraphDef],
        tweak: impl FnOnce(&mut Settings),
    ) -> Self {
        crate::telemetry::install_crypto_provider();
        let mut databases = Vec::new();
        let mut listeners = Vec::new();
        let mut settings = Settings::default();
        for def in defs {
            let db = TestDatabase::create(backend).await.expect("database");
            settings
                .database_urls
                .insert(def.name.to_owned(), db.url.clone());
            let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0))
                .await
                .expect("free port");
            let port = listener.local_addr().expect("bound").port();
            settings
                .service_urls
                .insert(def.name.to_owned(), format!("http://127.0.0.1:{port}"));
            listeners.push(listener);
            databases.push(db);
        }
        settings.data_dir = databases[0].dir.clone();
        tweak(&mut settings);
        // The signing key accounts would make, so every subgraph trusts the test's tokens.
        crate::auth::Keys::load(&settings, true).expect("keys");
        let shutdown = CancellationToken::new();
        let platform = Platform::new(settings.clone(), shutdown.clone())
            .await
            .expect("platform");
        let mut subgraphs = Vec::new();
        for (def, listener) in defs.iter().zip(listeners) {
            let prepared = platform
                .prepare(def, false)
                .await
                .unwrap_or_else(|e| panic!("prepare {}: {e:#}", def.name));
            subgraphs.push(prepared.serve(listener).expect("serve"));
        }
        Self {
            settings,
            platform: Arc::new(platform),
            subgraphs,
            databases,
            shutdown,
        }
    }

    /// The running subgraph called `name`.
    pub fn subgraph(&self, name: &str) -> &RunningSubgraph {
        self.subgraphs
            .iter()
            .find(|s| s.name == name)
            .unwrap_or_else(|| panic!("{name} is not in this stack"))
    }

    /// A GraphQL client for the subgraph called `name`.
    pub fn client(&self, name: &str) -> GraphqlClient {
        GraphqlClient::new(self.subgraph(name).graphql_url())
    }

    /// `http://host:port` of the subgraph called `name`.
    pub fn base_url(&self, name: &str) -> String {
        format!("http://{}", self.subgraph(name).addr)
    }

    /// An access token for a new user with these scopes.
    pub fn token(&self, scopes: &[&str]) -> String {
        access_token(&self.settings, scopes)
    }

    /// A new user's id and an access token for them with these scopes.
    pub fn new_user(&self, scopes: &[&str]) -> (uuid::Uuid, String) {
        new_user(&self.settings, scopes)
    }

    /// The credential service `from` presents to service `to`.
    pub fn service_token(&self, from: &str, to: &str) -> String {
        service_token(&self.settings, from, to)
    }

    /// Every event with these subjects published on the stack's bus from now on.
    pub async fn record(
        &self,
        subjects: &[&str],
    ) -> tokio::sync::mpsc::UnboundedReceiver<crate::events::Event> {
        let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
        self.platform
            .bus
            .subscribe(
                &format!("test-recorder-{}", uuid::Uuid::now_v7().simple()),
                subjects,
                Arc::new(EventRecorder(tx)),
            )
            .await
            .expect("subscribe");
        rx
    }

    /// Stops every subgraph gracefully and waits for them.
    pub async fn stop(mut self) {
        self.shutdown.cancel();
        for running in self.subgraphs.drain(..) {
            running.stopped().await.expect("clean stop");
        }
    }
}

impl Drop for TestStack {
    fn drop(&mut self) {
        self.shutdown.cancel();
    }
}

/// A running subgraph that stops when the test drops it.
pub struct TestSubgraph {
    pub running: Option<RunningSubgraph>,
    pub shutdown: CancellationToken,
    pub platform: Arc<Platform>,
}

impl TestSubgraph {
    pub fn running(&self) -> &RunningSubgraph {
        self.running.as_ref().expect("subgraph is running")
    }

    pub fn url(&self) -> String {
        self.running().graphql_url()
    }

    /// A GraphQL client for this subgraph.
    pub fn client(&self) -> GraphqlClient {
        GraphqlClient::new(self.url())
    }

    pub fn base_url(&self) -> String {
        format!("http://{}", self.running().addr)
    }

    /// Stops the subgraph gracefully and waits for it.
    pub async fn stop(mut self) {
        self.shutdown.cancel();
        if let Some(running) = self.running.take() {
            running.stopped().await.expect("clean stop");
        }
    }
}

impl Drop for TestSubgraph {
    fn drop(&mut self) {
        self.shutdown.cancel();
    }
}

/// Generates, for each named `async fn(Backend)`, one test on SQLite and one on PostgreSQL
/// (reported as ignored, i.e. skipped, when `MICROMALL_TEST_POSTGRES_URL` was unset at build
/// time; the crate's `build.rs` includes `build/test_servers.rs` for that).
#[macro_export]
macro_rules! on_every_backend {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn $name() {
                super::$name($crate::testing::Backend::Sqlite).await;
            })*
        }
        mod postgres {
            $(#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            #[cfg_attr(
                not(postgres_tests),
                ignore = "MICROMALL_TEST_POSTGRES_URL is unset: the PostgreSQL variant needs a server"
            )]
            async fn $name() {
                super::$name($crate::testing::Backend::Postgres).await;
            })*
        }
    };
}

/// A NATS JetStream bus of the test's own (a fresh stream and subject prefix) on the server
/// at `MICROMALL_TEST_NATS_URL`; for tests marked to need it (`nats_tests`).
pub async fn nats_bus() -> crate::events::NatsBus {
    let url = std::env::var("MICROMALL_TEST_NATS_URL").expect("MICROMALL_TEST_NATS_URL");
    crate::telemetry::install_crypto_provider();
    let tag = uuid::Uuid::now_v7().simple().to_string();
    crate::events::NatsBus::connect(&url, &format!("TEST_{tag}"), &format!("test{tag}"))
        .await
        .expect("MICROMALL_TEST_NATS_URL is set but NATS is unreachable")
}

/// A Redis server of a test's own, on a free port, that the test may stop to see what an
/// outage does (the shared test server must stay up for everyone else). Needs the
/// `redis-server` binary, which is there wherever `MICROMALL_TEST_REDIS_URL` is served.
pub struct DisposableRedis {
    pub url: String,
    child: Option<std::process::Child>,
}

impl DisposableRedis {
    pub async fn start() -> Self {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let child = std::process::Command::new("redis-server")
            .args(["--bind", "127.0.0.1", "--port", &port.to_string()])
            .args(["--save", "", "--appendonly", "no"])
            .stdout(std::process::Stdio::null())
            .spawn()
            .expect("redis-server (from the system's Redis package) is on the PATH");
        let started = std::time::Instant::now();
        while tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .is_err()
        {
            assert!(
                started.elapsed() < std::time::Duration::from_secs(10),
                "redis-server did not start"
            );
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
        Self {
            url: format!("redis://127.0.0.1:{port}"),
            child: Some(child),
        }
    }

    /// Kills the server: what a crashed or unreachable Redis looks like to its clients.
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

impl Drop for DisposableRedis {
    fn drop(&mut self) {
        self.stop();
    }
}

/// An event consumer that hands every event it receives to a channel, for tests to await.
pub struct EventRecorder(tokio::sync::mpsc::UnboundedSender<crate::events::Event>);

impl EventRecorder {
    /// Subscribes a recorder to `subjects` on the test subgraph's bus.
    pub async fn subscribe(
        subgraph: &TestSubgraph,
        subjects: &[&str],
    ) -> tokio::sync::mpsc::UnboundedReceiver<crate::events::Event> {
        let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
        subgraph
            .platform
            .bus
            .subscribe("test-recorder", subjects, Arc::new(EventRecorder(tx)))
            .await
            .expect("subscribe");
        rx
    }
}

#[async_trait::async_trait]
impl crate::events::EventHandler for EventRecorder {
    async fn handle(&self, event: &crate::events::Event) -> anyhow::Result<()> {
        self.0.send(event.clone())?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::replace_database;

    #[test]
    fn database_name_is_replaced() {
        assert_eq!(
            replace_database("postgres://u@h:5432/test", "x"),
            "postgres://u@h:5432/x"
        );
        assert_eq!(
            replace_database("postgres://u@h/test?sslmode=disable", "x"),
            "postgres://u@h/x?sslmode=disable"
        );
        assert_eq!(
            replace_database("postgres://u@h:5432", "x"),
            "postgres://u@h:5432/x"
        );
    }
}
