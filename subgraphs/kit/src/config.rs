//! Settings shared by every part of Micromall.
//!
//! Precedence: built-in defaults (good for the embedded mode), then an optional TOML file
//! (`--config`), then environment variables. Everything is validated once, at start-up.

use std::collections::BTreeMap;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;

use crate::forwarded::TrustedProxies;

/// Every setting, with its embedded-mode default.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Settings {
    /// Where the embedded mode keeps its databases, indexes and generated secrets.
    pub data_dir: PathBuf,
    /// Host that subgraphs bind to.
    pub subgraph_host: IpAddr,
    /// First subgraph port; subgraph N listens on `base + N` (accounts is 0).
    pub subgraph_port_base: u16,
    /// When set, `/internal/*` is served on its own ports (`base + N`) and no longer on the
    /// subgraph's main port, so a network policy can keep it from everyone but the other
    /// subgraphs (`MICROMALL_INTERNAL_PORT_BASE`).
    pub internal_port_base: Option<u16>,
    /// Where the router listens.
    pub router_listen: SocketAddr,
    /// `text` or `json`.
    pub log_format: LogFormat,
    /// The shop currency (ISO 4217).
    pub currency: String,
    /// Per-subgraph database URLs; a subgraph without one gets SQLite under `data_dir`.
    pub database_urls: BTreeMap<String, String>,
    /// Shared database URL used when a single subgraph runs alone (`DATABASE_URL`).
    pub database_url: Option<String>,
    /// Redis, for rate-limit counters shared across replicas.
    pub redis_url: Option<String>,
    /// NATS with JetStream, for the event bus shared across processes.
    pub nats_url: Option<String>,
    /// Seeds a demo catalog into a fresh data directory.
    pub demo_data: bool,
    pub jwt: JwtSettings,
    /// Secret for service-to-service credentials (generated under `data_dir` when absent).
    pub service_secret: Option<String>,
    /// Largest accepted request body, in bytes.
    pub max_body_bytes: usize,
    pub security: SecuritySettings,
    /// Base URLs of other services (`MICROMALL_<NAME>_URL`, e.g. `MICROMALL_CATALOG_URL`);
    /// a subgraph without one is reached at its embedded-mode port.
    pub service_urls: BTreeMap<String, String>,
    /// Namespace of the NATS subjects and stream (`MICROMALL_NATS_PREFIX`), so several
    /// installations can share one NATS server.
    pub nats_prefix: String,
    /// This process among the replicas of its subgraph (`MICROMALL_INSTANCE_ID`; by default
    /// the host name, which is the pod's or container's): names the event consumers each
    /// replica has to itself.
    pub instance_id: Option<String>,
    /// Fault injection for crash tests: abort the process right after a transaction that
    /// wrote an event with this subject commits, before the event is delivered.
    pub fault_abort_after_commit: Option<String>,
    /// The router's limits, caches and schema exposure (`[router]`).
    pub router: RouterSettings,
    pub events: EventsSettings,
    /// Each domain's own section: a domain reads its section and nothing else
    /// (`Runtime::section`).
    pub accounts: AccountsSettings,
    pub orders: OrdersSettings,
    pub payments: PaymentsSettings,
    pub search: SearchSettings,
    pub shipping: ShippingSettings,
    pub marketing: MarketingSettings,
    pub cart: CartSettings,
}

/// The part of the settings one domain reads.
pub trait Section {
    fn of(settings: &Settings) -> &Self;
}

macro_rules! sections {
    ($($section:ident => $field:ident),* $(,)?) => {
        $(impl Section for $section {
            fn of(settings: &Settings) -> &Self {
                &settings.$field
            }
        })*
    };
}

sections!(
    AccountsSettings => accounts,
    OrdersSettings => orders,
    PaymentsSettings => payments,
    SearchSettings => search,
    ShippingSettings => shipping,
    MarketingSettings => marketing,
    CartSettings => cart,
);

/// `[cart]`: how long a guest's cart waits for its shopper.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CartSettings {
    /// A guest cart unused this long is deleted (`MICROMALL_CART_GUEST_IDLE_TTL`).
    #[serde(with = "humantime_serde_compat")]
    pub guest_idle_ttl: Duration,
    /// Guest carts one client address may start within `guests_window`
    /// (`MICROMALL_CART_GUESTS_PER_ADDRESS`): anonymous adds cannot fill the database.
    pub guests_per_address: u64,
    #[serde(with = "humantime_serde_compat")]
    pub guests_window: Duration,
}

impl Default for CartSettings {
    fn default() -> Self {
        Self {
            guest_idle_ttl: Duration::from_secs(30 * 24 * 3600),
            guests_per_address: 200,
            guests_window: Duration::from_secs(3600),
        }
    }
}

/// `[marketing]`: how coupon uses held by checkouts that never finished are found.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct MarketingSettings {
    /// A use held this long without its order being paid or cancelled is checked with
    /// orders (`MICROMALL_MARKETING_HOLD_CHECK_AFTER`): longer than any checkout runs.
    #[serde(with = "humantime_serde_compat")]
    pub hold_check_after: Duration,
    /// How often held uses are looked at (`MICROMALL_MARKETING_HOLD_SWEEP_INTERVAL`).
    #[serde(with = "humantime_serde_compat")]
    pub hold_sweep_interval: Duration,
}

impl Default for MarketingSettings {
    fn default() -> Self {
        Self {
            hold_check_after: Duration::from_secs(600),
            hold_sweep_interval: Duration::from_secs(60),
        }
    }
}

/// `[search]`: where the index lives when it is shared.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SearchSettings {
    /// Elasticsearch, for the search index shared across search replicas; without it each
    /// search process keeps a Tantivy index under the data directory.
    pub elasticsearch_url: Option<String>,
}

/// `[orders]`: how long an order waits for its payment, and what one customer can hold.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct OrdersSettings {
    /// Open unpaid orders one customer may have at once; checkout past it is refused, so a
    /// few accounts cannot hold a product's whole stock.
    pub max_pending_per_customer: u32,
    /// How long an order waits for payment before it is cancelled.
    #[serde(with = "humantime_serde_compat")]
    pub payment_timeout: Duration,
}

impl Default for OrdersSettings {
    fn default() -> Self {
        Self {
            max_pending_per_customer: 3,
            payment_timeout: Duration::from_secs(30 * 60),
        }
    }
}

/// What the router lets a request cost, and what it keeps.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RouterSettings {
    /// Deepest field nesting of an operation.
    pub max_depth: usize,
    /// Most aliases in an operation.
    pub max_aliases: usize,
    /// Largest query text, in bytes.
    pub max_query_bytes: usize,
    /// Most fields an operation may have once its fragments are expanded.
    pub max_fields: usize,
    /// `enforce` (refuse over `max_cost`), `measure` (report only) or `off`.
    pub cost_mode: CostMode,
    /// Highest estimated cost an operation may have.
    pub max_cost: u64,
    /// Items assumed for a list that no argument or `@listSize` bounds.
    pub list_size: u64,
    /// Memory for validated documents and for query plans, in bytes.
    pub document_cache_bytes: u64,
    pub plan_cache_bytes: u64,
    /// Whether `__schema` / `__type` are answered (switch off in production).
    pub introspection: bool,
    /// Largest subgraph response read, in bytes.
    pub max_subgraph_response_bytes: usize,
    /// Memory for subgraph answers kept for anonymous callers, as long as each subgraph's
    /// `Cache-Control: max-age` allows (0: keep none).
    pub subgraph_cache_bytes: u64,
    /// Whether identical subgraph queries in flight at the same moment (same subgraph,
    /// operation, variables and forwarded headers) are sent once and the answer shared.
    pub deduplicate_subgraph_queries: bool,
    /// Longest a subgraph call may take.
    #[serde(with = "humantime_serde_compat")]
    pub subgraph_timeout: Duration,
    /// Longest the planner may search for one operation's plan; a longer search is refused
    /// as too complex.
    #[serde(with = "humantime_serde_compat")]
    pub plan_budget: Duration,
    /// Replicas of a subgraph by name (`[router.subgraph_urls] catalog = ["http://..", ..]`,
    /// or `MICROMALL_ROUTER_CATALOG_URLS="http://a:4002/graphql,http://b:4002/graphql"`):
    /// called in turn instead of the one URL the supergraph names.
    pub subgraph_urls: std::collections::BTreeMap<String, Vec<String>>,
    /// Asked on a replica out of rotation; a 2xx answer brings it back.
    pub health_path: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CostMode {
    Enforce,
    Measure,
    Off,
}

impl Default for RouterSettings {
    fn default() -> Self {
        Self {
            max_depth: 15,
            max_aliases: 100,
            max_query_bytes: 64 * 1024,
            max_fields: 5_000,
            cost_mode: CostMode::Enforce,
            max_cost: 25_000,
            list_size: 10,
            document_cache_bytes: 64 * 1024 * 1024,
            plan_cache_bytes: 128 * 1024 * 1024,
            introspection: true,
            max_subgraph_response_bytes: 16 * 1024 * 1024,
            subgraph_cache_bytes: 32 * 1024 * 1024,
            deduplicate_subgraph_queries: true,
            subgraph_timeout: Duration::from_secs(30),
            plan_budget: Duration::from_secs(1),
            subgraph_urls: Default::default(),
            health_path: "/health".into(),
        }
    }
}

impl RouterSettings {
    fn apply_env(&mut self, key: &str, value: &str) -> Result<bool, String> {
        match key {
            "MAX_DEPTH" => self.max_depth = positive(value)?,
            "MAX_ALIASES" => self.max_aliases = parse(value)?,
            "MAX_QUERY_BYTES" => self.max_query_bytes = positive(value)?,
            "MAX_FIELDS" => self.max_fields = positive(value)?,
            "COST_MODE" => {
                self.cost_mode = match value.trim() {
                    "enforce" => CostMode::Enforce,
                    "measure" => CostMode::Measure,
                    "off" => CostMode::Off,
                    other => return Err(format!("`{other}` is not enforce, measure or off")),
                }
            }
            "MAX_COST" => self.max_cost = positive(value)?,
            "LIST_SIZE" => self.list_size = parse(value)?,
            "DOCUMENT_CACHE_BYTES" => self.document_cache_bytes = parse(value)?,
            "PLAN_CACHE_BYTES" => self.plan_cache_bytes = parse(value)?,
            "INTROSPECTION" => self.introspection = parse_bool(value)?,
            "MAX_SUBGRAPH_RESPONSE_BYTES" => self.max_subgraph_response_bytes = positive(value)?,
            "SUBGRAPH_CACHE_BYTES" => self.subgraph_cache_bytes = parse(value)?,
            "DEDUPLICATE_SUBGRAPH_QUERIES" => {
                self.deduplicate_subgraph_queries = parse_bool(value)?
            }
            "SUBGRAPH_TIMEOUT" => self.subgraph_timeout = parse_duration(value)?,
            "PLAN_BUDGET" => self.plan_budget = parse_duration(value)?,
            "HEALTH_PATH" if value.starts_with('/') => self.health_path = value.to_owned(),
            "HEALTH_PATH" => return Err("must start with `/`".into()),
            _ => match key.strip_suffix("_URLS") {
                Some(name) if !name.is_empty() => {
                    let urls = subgraph_urls(value)?;
                    self.subgraph_urls.insert(name.to_ascii_lowercase(), urls);
                }
                _ => return Ok(false),
            },
        }
        Ok(true)
    }
}
impl Settings {
    /// This process's name among its subgraph's replicas: `MICROMALL_INSTANCE_ID`, else the
    /// host name (a pod's or container's own), else one made up for this run.
    pub fn instance(&self) -> String {
        if let Some(id) = &self.instance_id {
            return id.clone();
        }
        let host = std::env::var("HOSTNAME")
            .ok()
            .or_else(|| std::fs::read_to_string("/etc/hostname").ok())
            .map(|h| {
                h.trim()
                    .chars()
                    .map(|c| {
                        if c.is_ascii_alphanumeric() || c == '-' {
                            c
                        } else {
                            '_'
                        }
                    })
                    .take(64)
                    .collect::<String>()
            })
            .filter(|h| !h.is_empty());
        host.unwrap_or_else(|| uuid::Uuid::now_v7().simple().to_string())
    }
}

/// A comma- or space-separated list of http(s) URLs, at least one.
fn subgraph_urls(value: &str) -> Result<Vec<String>, String> {
    let urls: Vec<String> = value
        .split([',', ' '])
        .filter(|u| !u.is_empty())
        .map(str::to_owned)
        .collect();
    if urls.is_empty() {
        return Err("names no URL".into());
    }
    match urls
        .iter()
        .find(|u| !(u.starts_with("http://") || u.starts_with("https://")))
    {
        Some(bad) => Err(format!("`{bad}` is not an http(s) URL")),
        None => Ok(urls),
    }
}

/// `[payments]`: talking to payment providers.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PaymentsSettings {
    /// How long a provider call may take before its outcome counts as unknown.
    #[serde(with = "humantime_serde_compat")]
    pub provider_timeout: Duration,
    /// How often refunds whose outcome is unknown are asked again (same refund id).
    #[serde(with = "humantime_serde_compat")]
    pub reconcile_every: Duration,
    /// The payment sandbox: the provider the embedded shop pays with (`[payments.sandbox]`).
    pub sandbox: SandboxSettings,
}

impl Default for PaymentsSettings {
    fn default() -> Self {
        Self {
            provider_timeout: Duration::from_secs(10),
            reconcile_every: Duration::from_secs(30),
            sandbox: SandboxSettings::default(),
        }
    }
}

/// `[payments.sandbox]`: the sandbox processor and how payments trusts its callbacks.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SandboxSettings {
    /// HMAC secret of the sandbox's callbacks (generated under `data_dir` when absent).
    pub secret: Option<String>,
    /// Where the embedded payment sandbox listens (`MICROMALL_SANDBOX_LISTEN`).
    pub listen: SocketAddr,
    /// How long the sandbox usually waits before calling back.
    #[serde(with = "humantime_serde_compat")]
    pub callback_delay: Duration,
}

impl Default for SandboxSettings {
    fn default() -> Self {
        Self {
            secret: None,
            listen: SocketAddr::from(([127, 0, 0, 1], 4099)),
            callback_delay: Duration::from_millis(100),
        }
    }
}

/// `[shipping]`: talking to carriers.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ShippingSettings {
    /// How long a carrier call may take.
    #[serde(with = "humantime_serde_compat")]
    pub carrier_timeout: Duration,
    /// The carrier sandbox: the carrier the embedded shop ships with (`[shipping.sandbox]`).
    pub sandbox: CarrierSandboxSettings,
}

impl Default for ShippingSettings {
    fn default() -> Self {
        Self {
            carrier_timeout: Duration::from_secs(10),
            sandbox: CarrierSandboxSettings::default(),
        }
    }
}

/// `[shipping.sandbox]`: the sandbox carrier and how shipping trusts its tracking callbacks.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CarrierSandboxSettings {
    /// HMAC secret of the carrier's callbacks (generated under `data_dir` when absent).
    pub secret: Option<String>,
    /// Where the embedded carrier sandbox listens (`MICROMALL_CARRIER_SANDBOX_LISTEN`).
    pub listen: SocketAddr,
    /// Time between two scans of a parcel (`MICROMALL_CARRIER_SANDBOX_SCAN_INTERVAL`): a
    /// parcel is delivered about seven scans after its label is made.
    #[serde(with = "humantime_serde_compat")]
    pub scan_interval: Duration,
}

impl Default for CarrierSandboxSettings {
    fn default() -> Self {
        Self {
            secret: None,
            listen: SocketAddr::from(([127, 0, 0, 1], 4098)),
            scan_interval: Duration::from_secs(2),
        }
    }
}

/// `[events]`: what a consumer does with an event it fails to handle.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct EventsSettings {
    /// Delay before the first retry; each further retry waits twice as long.
    #[serde(with = "humantime_serde_compat")]
    pub retry_base: Duration,
    /// Attempts (the first delivery included) before the event is parked as a dead letter.
    pub max_attempts: u32,
}

impl Default for EventsSettings {
    fn default() -> Self {
        Self {
            retry_base: Duration::from_secs(1),
            max_attempts: 10,
        }
    }
}

/// Where each subgraph sits in the port table (architecture.md): its offset from the base.
pub const PORT_TABLE: [&str; 11] = [
    "accounts",
    "catalog",
    "search",
    "inventory",
    "cart",
    "orders",
    "payments",
    "shipping",
    "reviews",
    "marketing",
    "insights",
];

/// Brute-force protection for sign-in: failures per account and per client address are
/// counted in a window; past `*_slow_after` each attempt waits longer, past `*_lock_after`
/// attempts are refused until the window ends.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LoginSettings {
    pub account_slow_after: u64,
    pub account_lock_after: u64,
    pub address_slow_after: u64,
    pub address_lock_after: u64,
    #[serde(with = "humantime_serde_compat")]
    pub window: Duration,
    #[serde(with = "humantime_serde_compat")]
    pub base_delay: Duration,
    #[serde(with = "humantime_serde_compat")]
    pub max_delay: Duration,
}

impl Default for LoginSettings {
    fn default() -> Self {
        Self {
            account_slow_after: 5,
            account_lock_after: 10,
            address_slow_after: 20,
            address_lock_after: 100,
            window: Duration::from_secs(15 * 60),
            base_delay: Duration::from_millis(250),
            max_delay: Duration::from_secs(4),
        }
    }
}

/// `[accounts]`: what accounts spends on strangers (registrations per client address, and
/// the Argon2 hashing that registration and sign-in cost), sign-in throttling
/// (`[accounts.login]`) and the first administrator. Hashing runs in a few slots; a bounded
/// number of requests may wait for one, and any more are answered `RATE_LIMITED` at once
/// rather than queued without end (a flood must not stall every sign-in).
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AccountsSettings {
    /// The administrator made on first start (`MICROMALL_ADMIN_EMAIL`/`_PASSWORD`).
    pub admin_email: Option<String>,
    pub admin_password: Option<String>,
    pub login: LoginSettings,
    /// Registrations accepted from one client address within `register_window`.
    pub register_per_address: u64,
    #[serde(with = "humantime_serde_compat")]
    pub register_window: Duration,
    /// Passwords hashed at once; 0 means one per CPU.
    pub hashing_slots: usize,
    /// Requests that may wait for a hashing slot.
    pub hashing_queue: usize,
}

impl Default for AccountsSettings {
    fn default() -> Self {
        Self {
            admin_email: None,
            admin_password: None,
            login: LoginSettings::default(),
            register_per_address: 50,
            register_window: Duration::from_secs(3600),
            hashing_slots: 0,
            hashing_queue: 64,
        }
    }
}

/// Whom the network layer believes.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SecuritySettings {
    /// Peers whose `X-Forwarded-For` subgraphs believe: where the router sits (loopback in
    /// the embedded mode, the router's network in a deployment). Anyone else calling a
    /// subgraph directly is taken at its own address.
    pub trusted_proxies: TrustedProxies,
    /// Proxies in front of the router (a load balancer) whose `X-Forwarded-For` the router
    /// believes; empty when the router is the edge.
    pub router_trusted_proxies: TrustedProxies,
}

impl Default for SecuritySettings {
    fn default() -> Self {
        Self {
            trusted_proxies: TrustedProxies::loopback(),
            router_trusted_proxies: TrustedProxies::default(),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    Text,
    Json,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct JwtSettings {
    pub issuer: String,
    pub audience: String,
    #[serde(with = "humantime_serde_compat")]
    pub access_ttl: Duration,
    #[serde(with = "humantime_serde_compat")]
    pub refresh_ttl: Duration,
    /// PEM file with the Ed25519 private key (accounts only). Generated in embedded mode.
    pub private_key_file: Option<PathBuf>,
    /// PEM file with the Ed25519 public key (everything that verifies tokens).
    pub public_key_file: Option<PathBuf>,
}

impl Default for JwtSettings {
    fn default() -> Self {
        Self {
            issuer: "micromall".into(),
            audience: "micromall".into(),
            access_ttl: Duration::from_secs(15 * 60),
            refresh_ttl: Duration::from_secs(30 * 24 * 3600),
            private_key_file: None,
            public_key_file: None,
        }
    }
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            data_dir: PathBuf::from("./data"),
            subgraph_host: IpAddr::V4(Ipv4Addr::LOCALHOST),
            subgraph_port_base: 4001,
            internal_port_base: None,
            router_listen: SocketAddr::from(([127, 0, 0, 1], 4000)),
            log_format: LogFormat::Text,
            currency: "USD".into(),
            database_urls: BTreeMap::new(),
            database_url: None,
            redis_url: None,
            nats_url: None,
            demo_data: true,
            jwt: JwtSettings::default(),
            service_secret: None,
            max_body_bytes: 1024 * 1024,
            security: SecuritySettings::default(),
            service_urls: BTreeMap::new(),
            nats_prefix: "micromall".into(),
            instance_id: None,
            fault_abort_after_commit: None,
            router: RouterSettings::default(),
            events: EventsSettings::default(),
            accounts: AccountsSettings::default(),
            orders: OrdersSettings::default(),
            payments: PaymentsSettings::default(),
            search: SearchSettings::default(),
            shipping: ShippingSettings::default(),
            marketing: MarketingSettings::default(),
            cart: CartSettings::default(),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read config file {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("invalid config file {path}: {message}")]
    File { path: PathBuf, message: String },
    #[error("invalid value for {name}: {message}")]
    Env { name: String, message: String },
}

impl Settings {
    /// Loads settings from the optional file and the process environment.
    pub fn load(config_file: Option<&Path>) -> Result<Self, ConfigError> {
        Self::load_from(config_file, std::env::vars())
    }

    /// Loads settings from the optional file and the given environment (testable).
    pub fn load_from(
        config_file: Option<&Path>,
        env: impl IntoIterator<Item = (String, String)>,
    ) -> Result<Self, ConfigError> {
        let mut settings = match config_file {
            Some(path) => {
                let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
                    path: path.to_owned(),
                    source,
                })?;
                toml::from_str(&text).map_err(|e| ConfigError::File {
                    path: path.to_owned(),
                    message: e.message().to_owned(),
                })?
            }
            None => Settings::default(),
        };
        for (name, value) in env {
            settings.apply_env(&name, &value)?;
        }
        Ok(settings)
    }

    fn apply_env(&mut self, name: &str, value: &str) -> Result<(), ConfigError> {
        let bad = |message: String| ConfigError::Env {
            name: name.to_owned(),
            message,
        };
        let some = |v: &str| (!v.is_empty()).then(|| v.to_owned());
        if let Some(key) = name.strip_prefix("MICROMALL_ROUTER_")
            && self.router.apply_env(key, value).map_err(bad)?
        {
            return Ok(());
        }
        match name {
            "MICROMALL_DATA_DIR" => self.data_dir = PathBuf::from(value),
            "MICROMALL_SUBGRAPH_HOST" => self.subgraph_host = parse(value).map_err(bad)?,
            "MICROMALL_SUBGRAPH_PORT_BASE" => {
                self.subgraph_port_base = parse(value).map_err(bad)?
            }
            "MICROMALL_INTERNAL_PORT_BASE" => {
                self.internal_port_base = Some(parse(value).map_err(bad)?)
            }
            "MICROMALL_ROUTER_LISTEN" => self.router_listen = parse(value).map_err(bad)?,
            "MICROMALL_LOG_FORMAT" => {
                self.log_format = match value {
                    "json" => LogFormat::Json,
                    "text" => LogFormat::Text,
                    other => return Err(bad(format!("`{other}` is not `text` or `json`"))),
                }
            }
            "MICROMALL_CURRENCY" => {
                if crate::money::minor_units(value).is_none() {
                    return Err(bad(format!("unsupported currency `{value}`")));
                }
                self.currency = value.to_owned();
            }
            "DATABASE_URL" => self.database_url = some(value),
            "REDIS_URL" => self.redis_url = some(value),
            "NATS_URL" => self.nats_url = some(value),
            "ELASTICSEARCH_URL" => self.search.elasticsearch_url = some(value),
            "MICROMALL_DEMO_DATA" => self.demo_data = parse_bool(value).map_err(bad)?,
            "MICROMALL_ADMIN_EMAIL" => self.accounts.admin_email = some(value),
            "MICROMALL_ADMIN_PASSWORD" => self.accounts.admin_password = some(value),
            "MICROMALL_JWT_ISSUER" => self.jwt.issuer = value.to_owned(),
            "MICROMALL_JWT_AUDIENCE" => self.jwt.audience = value.to_owned(),
            "MICROMALL_ACCESS_TOKEN_TTL" => {
                self.jwt.access_ttl = parse_duration(value).map_err(bad)?
            }
            "MICROMALL_REFRESH_TOKEN_TTL" => {
                self.jwt.refresh_ttl = parse_duration(value).map_err(bad)?
            }
            "MICROMALL_JWT_PRIVATE_KEY_FILE" => {
                self.jwt.private_key_file = some(value).map(PathBuf::from)
            }
            "MICROMALL_JWT_PUBLIC_KEY_FILE" => {
                self.jwt.public_key_file = some(value).map(PathBuf::from)
            }
            "MICROMALL_SERVICE_SECRET" => self.service_secret = some(value),
            "MICROMALL_TRUST_FORWARDED_FOR" => {
                return Err(bad(
                    "removed: subgraphs believe `X-Forwarded-For` only from \
                     MICROMALL_TRUSTED_PROXIES (default loopback)"
                        .into(),
                ));
            }
            "MICROMALL_TRUSTED_PROXIES" => {
                self.security.trusted_proxies = TrustedProxies::parse(value).map_err(bad)?
            }
            "MICROMALL_ROUTER_TRUSTED_PROXIES" => {
                self.security.router_trusted_proxies = TrustedProxies::parse(value).map_err(bad)?
            }
            "MICROMALL_REGISTER_PER_ADDRESS" => {
                self.accounts.register_per_address = parse(value).map_err(bad)?
            }
            "MICROMALL_REGISTER_WINDOW" => {
                self.accounts.register_window = parse_duration(value).map_err(bad)?
            }
            "MICROMALL_HASHING_SLOTS" => self.accounts.hashing_slots = parse(value).map_err(bad)?,
            "MICROMALL_HASHING_QUEUE" => self.accounts.hashing_queue = parse(value).map_err(bad)?,
            "MICROMALL_MAX_BODY_BYTES" => self.max_body_bytes = parse(value).map_err(bad)?,
            "MICROMALL_LOGIN_ACCOUNT_LOCK_AFTER" => {
                self.accounts.login.account_lock_after = parse(value).map_err(bad)?
            }
            "MICROMALL_LOGIN_ADDRESS_LOCK_AFTER" => {
                self.accounts.login.address_lock_after = parse(value).map_err(bad)?
            }
            "MICROMALL_LOGIN_WINDOW" => {
                self.accounts.login.window = parse_duration(value).map_err(bad)?
            }
            "MICROMALL_NATS_PREFIX" => {
                if value.is_empty()
                    || !value
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
                {
                    return Err(bad("use letters, digits, `_` and `-`".into()));
                }
                self.nats_prefix = value.to_owned();
            }
            "MICROMALL_INSTANCE_ID" => {
                if value.is_empty()
                    || value.len() > 64
                    || !value
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
                {
                    return Err(bad("use 1 to 64 letters, digits, `_` and `-`".into()));
                }
                self.instance_id = Some(value.to_owned());
            }
            "MICROMALL_ORDER_PAYMENT_TIMEOUT" => {
                self.orders.payment_timeout = parse_duration(value).map_err(bad)?
            }
            "MICROMALL_SANDBOX_SECRET" => self.payments.sandbox.secret = some(value),
            "MICROMALL_SANDBOX_LISTEN" => {
                self.payments.sandbox.listen = parse(value).map_err(bad)?
            }
            "MICROMALL_SANDBOX_CALLBACK_DELAY" => {
                self.payments.sandbox.callback_delay = parse_duration(value).map_err(bad)?
            }
            "MICROMALL_CARRIER_SANDBOX_SECRET" => self.shipping.sandbox.secret = some(value),
            "MICROMALL_CARRIER_SANDBOX_LISTEN" => {
                self.shipping.sandbox.listen = parse(value).map_err(bad)?
            }
            "MICROMALL_CARRIER_SANDBOX_SCAN_INTERVAL" => {
                self.shipping.sandbox.scan_interval = parse_duration(value).map_err(bad)?
            }
            "MICROMALL_CART_GUEST_IDLE_TTL" => {
                self.cart.guest_idle_ttl = parse_duration(value).map_err(bad)?
            }
            "MICROMALL_CART_GUESTS_PER_ADDRESS" => {
                self.cart.guests_per_address = positive::<u64>(value).map_err(bad)?
            }
            "MICROMALL_MARKETING_HOLD_CHECK_AFTER" => {
                self.marketing.hold_check_after = parse_duration(value).map_err(bad)?
            }
            "MICROMALL_MARKETING_HOLD_SWEEP_INTERVAL" => {
                self.marketing.hold_sweep_interval = parse_duration(value).map_err(bad)?
            }
            "MICROMALL_SHIPPING_CARRIER_TIMEOUT" => {
                self.shipping.carrier_timeout = parse_duration(value).map_err(bad)?
            }
            "MICROMALL_FAULT_ABORT_AFTER_COMMIT" => self.fault_abort_after_commit = some(value),
            "MICROMALL_ORDERS_MAX_PENDING_PER_CUSTOMER" => {
                self.orders.max_pending_per_customer = positive::<u32>(value).map_err(bad)?
            }
            "MICROMALL_PAYMENTS_PROVIDER_TIMEOUT" => {
                self.payments.provider_timeout = parse_duration(value).map_err(bad)?
            }
            "MICROMALL_PAYMENTS_RECONCILE_EVERY" => {
                self.payments.reconcile_every = parse_duration(value).map_err(bad)?
            }
            "MICROMALL_EVENTS_RETRY_BASE" => {
                self.events.retry_base = parse_duration(value).map_err(bad)?
            }
            "MICROMALL_EVENTS_MAX_ATTEMPTS" => {
                self.events.max_attempts = positive::<u32>(value).map_err(bad)?
            }
            _ if name.starts_with("MICROMALL_")
                && name.ends_with("_URL")
                && !name.ends_with("_DATABASE_URL")
                && !name.contains("TEST") =>
            {
                // MICROMALL_<SERVICE>_URL
                let service = &name["MICROMALL_".len()..name.len() - "_URL".len()];
                if !service.is_empty() {
                    self.service_urls.insert(
                        service.to_ascii_lowercase(),
                        value.trim_end_matches('/').to_owned(),
                    );
                }
            }
            _ => {
                // MICROMALL_<SUBGRAPH>_DATABASE_URL
                if let Some(subgraph) = name
                    .strip_prefix("MICROMALL_")
                    .and_then(|rest| rest.strip_suffix("_DATABASE_URL"))
                    .filter(|s| !s.is_empty() && !s.contains("TEST"))
                {
                    self.database_urls
                        .insert(subgraph.to_ascii_lowercase(), value.to_owned());
                }
            }
        }
        Ok(())
    }

    /// The database URL for one subgraph: its own setting, the shared `DATABASE_URL` when only
    /// `alone` (one subgraph per process), or an SQLite file under the data directory.
    pub fn database_url_for(&self, subgraph: &str, alone: bool) -> String {
        if let Some(url) = self.database_urls.get(subgraph) {
            return url.clone();
        }
        if let Some(url) = self.database_url.as_ref().filter(|_| alone) {
            return url.clone();
        }
        let path = self.data_dir.join(format!("{subgraph}.db"));
        format!("sqlite://{}?mode=rwc", path.display())
    }

    /// The base URL (`http://host:port`) at which another service is reached.
    pub fn service_url(&self, name: &str) -> Option<String> {
        if let Some(url) = self.service_urls.get(name) {
            return Some(url.clone());
        }
        if name == "sandbox" {
            return Some(format!("http://{}", self.payments.sandbox.listen));
        }
        if name == "carrier_sandbox" {
            return Some(format!("http://{}", self.shipping.sandbox.listen));
        }
        let addr = self.subgraph_addr(name)?;
        // A subgraph bound to every interface is reached on loopback.
        let host = match addr.ip() {
            IpAddr::V4(ip) if ip.is_unspecified() => IpAddr::V4(Ipv4Addr::LOCALHOST),
            ip => ip,
        };
        Some(format!("http://{}", SocketAddr::new(host, addr.port())))
    }

    /// The address a subgraph listens on, from its position in the port table.
    pub fn subgraph_addr(&self, name: &str) -> Option<SocketAddr> {
        let offset = PORT_TABLE.iter().position(|n| *n == name)?;
        Some(SocketAddr::new(
            self.subgraph_host,
            self.subgraph_port_base.saturating_add(offset as u16),
        ))
    }

    /// Where a subgraph serves `/internal/*` on its own, when `internal_port_base` is set.
    pub fn internal_addr(&self, name: &str) -> Option<SocketAddr> {
        let base = self.internal_port_base?;
        let offset = PORT_TABLE.iter().position(|n| *n == name)?;
        Some(SocketAddr::new(
            self.subgraph_host,
            base.saturating_add(offset as u16),
        ))
    }

    /// The base URL of a service's `/internal/*`: its own URL, on its internal port when
    /// internal ports are in use.
    pub fn internal_url(&self, name: &str) -> Option<String> {
        let url = self.service_url(name)?;
        let Some(port) = self.internal_addr(name).map(|a| a.port()) else {
            return Some(url);
        };
        // `scheme://host:port` → the same host on the internal port.
        let host_end = url
            .rfind(':')
            .filter(|&i| url[i + 1..].bytes().all(|b| b.is_ascii_digit()));
        Some(match host_end {
            Some(i) => format!("{}:{port}", &url[..i]),
            None => format!("{}:{port}", url.trim_end_matches('/')),
        })
    }
}

fn parse<T: std::str::FromStr>(value: &str) -> Result<T, String>
where
    T::Err: std::fmt::Display,
{
    value.trim().parse().map_err(|e: T::Err| e.to_string())
}

/// A number that must be at least 1 (a limit of zero would refuse everything).
fn positive<T: std::str::FromStr + PartialOrd + From<u8>>(value: &str) -> Result<T, String>
where
    T::Err: std::fmt::Display,
{
    let n: T = parse(value)?;
    if n < T::from(1) {
        return Err("must be at least 1".into());
    }
    Ok(n)
}

fn parse_bool(value: &str) -> Result<bool, String> {
    match value.trim().to_ascii_lowercase().as_str() {
        "1" | "true" | "yes" | "on" => Ok(true),
        "0" | "false" | "no" | "off" => Ok(false),
        other => Err(format!("`{other}` is not a boolean")),
    }
}

/// Parses durations such as `30m`, `5s`, `1h 30m`.
pub fn parse_duration(value: &str) -> Result<Duration, String> {
    let d = humantime::parse_duration(value.trim()).map_err(|e| e.to_string())?;
    if d.is_zero() {
        return Err("duration must be positive".into());
    }
    Ok(d)
}

mod humantime_serde_compat {
    use serde::{Deserialize, Deserializer};
    use std::time::Duration;

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
        let text = String::deserialize(d)?;
        super::parse_duration(&text).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect()
    }

    #[test]
    fn internal_calls_go_to_the_internal_port_once_there_is_one() {
        let s = Settings::load_from(
            None,
            env(&[("MICROMALL_CATALOG_URL", "http://catalog:4002")]),
        )
        .unwrap();
        assert_eq!(s.internal_url("catalog").unwrap(), "http://catalog:4002");
        let s = Settings::load_from(
            None,
            env(&[
                ("MICROMALL_CATALOG_URL", "http://catalog:4002"),
                ("MICROMALL_INTERNAL_PORT_BASE", "4101"),
            ]),
        )
        .unwrap();
        assert_eq!(s.internal_url("catalog").unwrap(), "http://catalog:4102");
        assert_eq!(s.internal_url("accounts").unwrap(), "http://127.0.0.1:4101");
        assert_eq!(s.internal_addr("catalog").unwrap().port(), 4102);
    }

    #[test]
    fn defaults_serve_the_embedded_mode() {
        let s = Settings::load_from(None, env(&[])).unwrap();
        assert_eq!(
            s.subgraph_addr("accounts").unwrap().to_string(),
            "127.0.0.1:4001"
        );
        assert_eq!(s.router_listen.to_string(), "127.0.0.1:4000");
        assert!(
            s.database_url_for("accounts", false)
                .starts_with("sqlite://./data/accounts.db")
        );
    }

    #[test]
    fn environment_overrides_and_per_subgraph_urls() {
        let s = Settings::load_from(
            None,
            env(&[
                ("MICROMALL_SUBGRAPH_PORT_BASE", "5001"),
                ("MICROMALL_ACCOUNTS_DATABASE_URL", "postgres://x/accounts"),
                ("DATABASE_URL", "postgres://x/shared"),
                ("MICROMALL_ACCESS_TOKEN_TTL", "5m"),
            ]),
        )
        .unwrap();
        assert_eq!(s.subgraph_addr("catalog").unwrap().port(), 5002);
        assert_eq!(
            s.database_url_for("accounts", false),
            "postgres://x/accounts"
        );
        assert_eq!(s.database_url_for("catalog", true), "postgres://x/shared");
        assert!(
            s.database_url_for("catalog", false)
                .starts_with("sqlite://")
        );
        assert_eq!(s.jwt.access_ttl, Duration::from_secs(300));
    }

    #[test]
    fn bad_values_name_the_variable() {
        let err = Settings::load_from(None, env(&[("MICROMALL_SUBGRAPH_PORT_BASE", "lots")]))
            .unwrap_err()
            .to_string();
        assert!(err.contains("MICROMALL_SUBGRAPH_PORT_BASE"), "{err}");
        let err = Settings::load_from(None, env(&[("MICROMALL_DEMO_DATA", "maybe")])).unwrap_err();
        assert!(err.to_string().contains("MICROMALL_DEMO_DATA"));
        let err = Settings::load_from(None, env(&[("MICROMALL_EVENTS_MAX_ATTEMPTS", "0")]))
            .unwrap_err()
            .to_string();
        assert!(err.contains("MICROMALL_EVENTS_MAX_ATTEMPTS"), "{err}");
    }

    #[test]
    fn sections_have_defaults_and_read_file_and_environment() {
        let s = Settings::load_from(None, env(&[])).unwrap();
        assert_eq!(s.orders.max_pending_per_customer, 3);
        assert_eq!(s.router.plan_budget, Duration::from_secs(1));
        assert_eq!(s.events.max_attempts, 10);
        assert_eq!(s.events.retry_base, Duration::from_secs(1));
        assert_eq!(s.payments.provider_timeout, Duration::from_secs(10));
        let dir = std::env::temp_dir().join(format!("mm-sections-{}", uuid::Uuid::now_v7()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("micromall.toml");
        std::fs::write(
            &file,
            "[orders]\nmax_pending_per_customer = 5\n[events]\nretry_base = \"250ms\"\n",
        )
        .unwrap();
        let s = Settings::load_from(
            Some(&file),
            env(&[
                ("MICROMALL_EVENTS_MAX_ATTEMPTS", "4"),
                ("MICROMALL_PAYMENTS_RECONCILE_EVERY", "2s"),
            ]),
        )
        .unwrap();
        assert_eq!(s.orders.max_pending_per_customer, 5);
        assert_eq!(s.events.retry_base, Duration::from_millis(250));
        assert_eq!(s.events.max_attempts, 4);
        assert_eq!(s.payments.reconcile_every, Duration::from_secs(2));
        std::fs::remove_dir_all(dir).ok();
    }

    #[test]
    fn each_domain_finds_its_settings_in_its_own_section() {
        let dir = std::env::temp_dir().join(format!("mm-domains-{}", uuid::Uuid::now_v7()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("micromall.toml");
        std::fs::write(
            &file,
            "[orders]\npayment_timeout = \"2m\"\n\
             [payments.sandbox]\nlisten = \"127.0.0.1:5099\"\ncallback_delay = \"3s\"\n\
             [accounts]\nadmin_email = \"boss@example.com\"\n\
             [accounts.login]\naccount_lock_after = 4\n\
             [search]\nelasticsearch_url = \"http://es:9200\"\n",
        )
        .unwrap();
        let s =
            Settings::load_from(Some(&file), env(&[("MICROMALL_SANDBOX_SECRET", "s3")])).unwrap();
        assert_eq!(
            OrdersSettings::of(&s).payment_timeout,
            Duration::from_secs(120)
        );
        let payments = PaymentsSettings::of(&s);
        assert_eq!(payments.sandbox.listen.port(), 5099);
        assert_eq!(payments.sandbox.callback_delay, Duration::from_secs(3));
        assert_eq!(payments.sandbox.secret.as_deref(), Some("s3"));
        let accounts = AccountsSettings::of(&s);
        assert_eq!(accounts.admin_email.as_deref(), Some("boss@example.com"));
        assert_eq!(accounts.login.account_lock_after, 4);
        assert_eq!(
            SearchSettings::of(&s).elasticsearch_url.as_deref(),
            Some("http://es:9200")
        );
        // The sandbox is reached where its section says it listens.
        assert_eq!(s.service_url("sandbox").unwrap(), "http://127.0.0.1:5099");
        // The old top-level names are gone, not silently ignored.
        std::fs::write(&file, "order_payment_timeout = \"2m\"\n").unwrap();
        let err = Settings::load_from(Some(&file), env(&[]))
            .unwrap_err()
            .to_string();
        assert!(err.contains("order_payment_timeout"), "{err}");
        std::fs::remove_dir_all(dir).ok();
    }

    #[test]
    fn router_limits_come_from_their_section_or_the_environment() {
        let s = Settings::load_from(
            None,
            env(&[
                ("MICROMALL_ROUTER_MAX_COST", "500"),
                ("MICROMALL_ROUTER_COST_MODE", "measure"),
                ("MICROMALL_ROUTER_INTROSPECTION", "off"),
                ("MICROMALL_ROUTER_LISTEN", "127.0.0.1:5000"),
                ("MICROMALL_ROUTER_PLAN_BUDGET", "250ms"),
                (
                    "MICROMALL_ROUTER_CATALOG_URLS",
                    "http://catalog-1:4002/graphql, http://catalog-2:4002/graphql",
                ),
            ]),
        )
        .unwrap();
        assert_eq!(s.router.plan_budget, Duration::from_millis(250));
        assert_eq!(
            s.router.subgraph_urls["catalog"],
            [
                "http://catalog-1:4002/graphql",
                "http://catalog-2:4002/graphql"
            ]
        );
        assert_eq!(s.router.max_cost, 500);
        assert_eq!(s.router.cost_mode, CostMode::Measure);
        assert!(!s.router.introspection);
        assert_eq!(s.router_listen.port(), 5000);
        let err = Settings::load_from(None, env(&[("MICROMALL_ROUTER_MAX_FIELDS", "0")]))
            .unwrap_err()
            .to_string();
        assert!(err.contains("MICROMALL_ROUTER_MAX_FIELDS"), "{err}");
        let err = Settings::load_from(None, env(&[("MICROMALL_ROUTER_COST_MODE", "yolo")]))
            .unwrap_err()
            .to_string();
        assert!(err.contains("enforce, measure or off"), "{err}");
        let err = Settings::load_from(None, env(&[("MICROMALL_ROUTER_PLAN_BUDGET", "0s")]))
            .unwrap_err()
            .to_string();
        assert!(err.contains("MICROMALL_ROUTER_PLAN_BUDGET"), "{err}");
        let err = Settings::load_from(
            None,
            env(&[("MICROMALL_ROUTER_CATALOG_URLS", "catalog-1:4002/graphql")]),
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("MICROMALL_ROUTER_CATALOG_URLS"), "{err}");
    }

    #[test]
    fn trusted_proxies_default_to_loopback_and_the_old_switch_is_refused() {
        let s = Settings::load_from(None, env(&[])).unwrap();
        assert!(
            s.security
                .trusted_proxies
                .contains("127.0.0.1".parse().unwrap())
        );
        assert!(s.security.router_trusted_proxies.networks().is_empty());
        let s = Settings::load_from(
            None,
            env(&[
                ("MICROMALL_TRUSTED_PROXIES", "10.0.0.0/8"),
                ("MICROMALL_ROUTER_TRUSTED_PROXIES", "192.0.2.1"),
                ("MICROMALL_REGISTER_PER_ADDRESS", "5"),
                ("MICROMALL_HASHING_QUEUE", "3"),
            ]),
        )
        .unwrap();
        assert!(
            !s.security
                .trusted_proxies
                .contains("127.0.0.1".parse().unwrap())
        );
        assert!(
            s.security
                .router_trusted_proxies
                .contains("192.0.2.1".parse().unwrap())
        );
        assert_eq!(s.accounts.register_per_address, 5);
        assert_eq!(s.accounts.hashing_queue, 3);
        let err = Settings::load_from(None, env(&[("MICROMALL_TRUSTED_PROXIES", "everyone")]))
            .unwrap_err()
            .to_string();
        assert!(err.contains("MICROMALL_TRUSTED_PROXIES"), "{err}");
        let err = Settings::load_from(None, env(&[("MICROMALL_TRUST_FORWARDED_FOR", "true")]))
            .unwrap_err()
            .to_string();
        assert!(err.contains("MICROMALL_TRUSTED_PROXIES"), "{err}");
    }

    #[test]
    fn toml_file_is_read_and_env_wins() {
        let dir = std::env::temp_dir().join(format!("mm-config-{}", uuid::Uuid::now_v7()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("micromall.toml");
        std::fs::write(
            &file,
            "subgraph_port_base = 7001\ncurrency = \"EUR\"\n[jwt]\naccess_ttl = \"10m\"\n\
             [security]\ntrusted_proxies = [\"10.0.0.0/8\"]\n[accounts]\nhashing_slots = 2\n",
        )
        .unwrap();
        let s = Settings::load_from(Some(&file), env(&[("MICROMALL_CURRENCY", "GBP")])).unwrap();
        assert_eq!(s.subgraph_port_base, 7001);
        assert_eq!(s.currency, "GBP");
        assert_eq!(s.jwt.access_ttl, Duration::from_secs(600));
        assert!(
            s.security
                .trusted_proxies
                .contains("10.1.2.3".parse().unwrap())
        );
        assert_eq!(s.accounts.hashing_slots, 2);
        std::fs::write(&file, "no_such_setting = 1\n").unwrap();
        assert!(Settings::load_from(Some(&file), env(&[])).is_err());
        std::fs::remove_dir_all(dir).ok();
    }
}
