//! The distributed mode as `docker-compose.yml` describes it, run here without a container
//! engine: each service's command and environment are read from the file (through
//! `docker-compose config`, so anchors and `${...}` are resolved as compose resolves them) and
//! run as processes on loopback against this machine's PostgreSQL, Redis and NATS. What the
//! test changes is only what a container network gives for free: host names become
//! 127.0.0.1, each replica gets ports of its own (and an instance id, a container's host
//! name), volumes become directories, and the databases are the test's own. The router is
//! given every replica's URL, as compose's DNS would spread them.
//!
//! Every subgraph's name leads to all its replicas (`common::vip`, what compose's DNS and a
//! Kubernetes Service give), and two routers stand behind one address as the chart runs them.
//!
//! Then, under a steady load of signed-in browsing and of customers buying (cart, checkout,
//! payment):
//! - a catalog replica killed loses no request; brought back, it rejoins, so killing the
//!   other one loses none either;
//! - a rolling restart of every Micromall process, one at a time, loses none;
//! - every orders replica killed mid-checkout and restarted loses no order and charges
//!   nobody twice: the customers ask again with the same idempotency keys, as a client must
//!   when it got no answer.

mod common;

use common::vip::Vip;
use common::{gql, login};

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use micromall_kit::testing::{Backend, TestDatabase};
use serde_json::{Value, json};

const ADMIN: &str = "compose-admin@example.com";
const ADMIN_PASSWORD: &str = "compose admin password";

/// One service of the compose file, as `docker-compose config` prints it.
struct Service {
    command: Vec<String>,
    env: BTreeMap<String, String>,
    /// (named volume or host path, path inside the container)
    volumes: Vec<(String, String)>,
    replicas: usize,
}

fn tool(name: &str) -> PathBuf {
    let dir = std::env::var_os("MICROMALL_TEST_TOOLS")
        .expect("MICROMALL_TEST_TOOLS names the directory .ci/tools printed");
    PathBuf::from(dir).join("bin").join(name)
}

fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The compose file's services, with what the shell gives it (the first administrator).
fn services() -> BTreeMap<String, Service> {
    let config = Command::new(tool("docker-compose"))
        .args(["-f", "docker-compose.yml", "config"])
        .current_dir(repo())
        .env("MICROMALL_ADMIN_EMAIL", ADMIN)
        .env("MICROMALL_ADMIN_PASSWORD", ADMIN_PASSWORD)
        .output()
        .expect("run docker-compose config");
    assert!(
        config.status.success(),
        "{}",
        String::from_utf8_lossy(&config.stderr)
    );
    let mut to_json = Command::new(tool("yaml-to-json"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("run yaml-to-json");
    {
        use std::io::Write as _;
        let mut stdin = to_json.stdin.take().expect("stdin");
        stdin.write_all(&config.stdout).expect("write the config");
    }
    let out = to_json.wait_with_output().expect("yaml-to-json finished");
    let documents: Value = serde_json::from_slice(&out.stdout).expect("JSON");
    let strings = |v: &Value| -> Vec<String> {
        v.as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|s| s.as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default()
    };
    documents[0]["services"]
        .as_object()
        .expect("services")
        .iter()
        .map(|(name, s)| {
            let env = s["environment"]
                .as_object()
                .map(|e| {
                    e.iter()
                        .map(|(k, v)| {
                            let v = match v {
                                Value::String(s) => s.clone(),
                                Value::Null => String::new(),
                                other => other.to_string(),
                            };
                            (k.clone(), v)
                        })
                        .collect()
                })
                .unwrap_or_default();
            let volumes = strings(&s["volumes"])
                .iter()
                .filter_map(|v| {
                    let mut parts = v.split(':');
                    Some((parts.next()?.to_owned(), parts.next()?.to_owned()))
                })
                .collect();
            let service = Service {
                command: strings(&s["command"]),
                env,
                volumes,
                replicas: s["deploy"]["replicas"].as_u64().unwrap_or(1) as usize,
            };
            (name.clone(), service)
        })
        .collect()
}

/// Processes of the test, killed when it ends however it ends.
#[derive(Default)]
struct Processes(Vec<(String, Child)>);

impl Drop for Processes {
    fn drop(&mut self) {
        for (_, child) in &mut self.0 {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// Where the test runs the installation: ports, directories, databases.
struct Site {
    root: PathBuf,
    /// `host:port` as compose names it → `127.0.0.1:port` here (a subgraph's service address).
    addresses: BTreeMap<String, u16>,
    /// Each subgraph's port offset and, per replica, its port base here.
    port_bases: Vec<u16>,
    databases: BTreeMap<String, TestDatabase>,
    nats_prefix: String,
}

impl Site {
    fn volume_dir(&self, volume: &str) -> PathBuf {
        if volume.starts_with('/') || volume.starts_with('.') {
            return PathBuf::from(volume);
        }
        let dir = self.root.join("volumes").join(volume);
        std::fs::create_dir_all(&dir).expect("a volume directory");
        dir
    }

    /// `value` as it must read here for `service` (replica `replica`).
    fn rewrite(&self, service: &Service, value: &str, data_dir: &Path) -> String {
        let mut value = value.to_owned();
        for (compose, port) in &self.addresses {
            value = value.replace(compose, &format!("127.0.0.1:{port}"));
        }
        let mut mounts: Vec<&(String, String)> = service.volumes.iter().collect();
        mounts.sort_by_key(|(_, target)| std::cmp::Reverse(target.len()));
        for (volume, target) in mounts {
            if value == *target || value.starts_with(&format!("{target}/")) {
                let dir = self.volume_dir(volume);
                return format!("{}{}", dir.display(), &value[target.len()..]);
            }
        }
        if value == "/data" {
            return data_dir.display().to_string();
        }
        value
    }

    /// A process of `service` as compose would start it, with what the test must change.
    fn command(&self, name: &str, service: &Service, replica: usize) -> Command {
        let data_dir = self.root.join("data").join(format!("{name}-{replica}"));
        std::fs::create_dir_all(&data_dir).expect("a data directory");
        let mut command = Command::new(env!("CARGO_BIN_EXE_micromall"));
        command
            .args(
                service
                    .command
                    .iter()
                    .map(|a| self.rewrite(service, a, &data_dir)),
            )
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("MICROMALL_NATS_PREFIX", &self.nats_prefix)
            .env("MICROMALL_INSTANCE_ID", format!("{name}-{replica}"))
            // Every test on this machine registers customers from loopback, counted in the
            // one Redis they share.
            .env("MICROMALL_REGISTER_PER_ADDRESS", "100000");
        for (key, value) in &service.env {
            let value = match key.as_str() {
                "PGPASSFILE" | "MICROMALL_LOG_FORMAT" => continue,
                "DATABASE_URL" => {
                    let db = value.rsplit('/').next().unwrap_or_default();
                    self.databases[db].url.clone()
                }
                "NATS_URL" => std::env::var("MICROMALL_TEST_NATS_URL").expect("NATS"),
                "REDIS_URL" => std::env::var("MICROMALL_TEST_REDIS_URL").expect("Redis"),
                "MICROMALL_SUBGRAPH_PORT_BASE" => self.port_bases[replica].to_string(),
                _ => self.rewrite(service, value, &data_dir),
            };
            command.env(key, value);
        }
        // The secrets volume sits under the data directory in the container.
        let secrets = data_dir.join("secrets");
        if let Some((volume, _)) = service.volumes.iter().find(|(_, t)| t == "/data/secrets") {
            if !secrets.exists() {
                std::os::unix::fs::symlink(self.volume_dir(volume), &secrets)
                    .expect("link the secrets");
            }
        }
        let log = std::fs::File::create(self.root.join(format!("{name}-{replica}.log")))
            .expect("a log file");
        command
            .stdout(Stdio::from(log.try_clone().expect("log")))
            .stderr(Stdio::from(log));
        command
    }
}

fn run_to_end(site: &Site, name: &str, service: &Service) {
    let status = site
        .command(name, service, 0)
        .status()
        .unwrap_or_else(|e| panic!("cannot run {name}: {e}"));
    let log = std::fs::read_to_string(site.root.join(format!("{name}-0.log"))).unwrap_or_default();
    assert!(status.success(), "{name} failed: {log}");
}

async fn wait_healthy(url: &str, what: &str) {
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        if let Ok(r) = reqwest::get(url).await {
            if r.status().is_success() {
                return;
            }
        }
        assert!(
            Instant::now() < deadline,
            "{what} never became healthy at {url}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// The load's counts: what was answered and what failed, by the fault it ran under.
#[derive(Default)]
struct Tally {
    answered: [AtomicUsize; PHASES.len()],
    failed: std::sync::Mutex<Vec<(usize, String)>>,
}

/// What the load runs under, in turn.
const PHASES: [&str; 4] = [
    "catalog replicas killed",
    "rolling restart",
    "orders killed mid-checkout",
    "after",
];

impl Tally {
    fn record(&self, phase: &AtomicUsize, outcome: Result<(), String>) {
        let phase = phase.load(Ordering::Relaxed);
        match outcome {
            Ok(()) => {
                self.answered[phase].fetch_add(1, Ordering::Relaxed);
            }
            Err(failure) => self
                .failed
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .push((phase, failure)),
        }
    }

    fn answered(&self, phase: usize) -> usize {
        self.answered[phase].load(Ordering::Relaxed)
    }

    fn failed(&self, phase: usize) -> Vec<String> {
        self.failed
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .iter()
            .filter(|(p, _)| *p == phase)
            .map(|(_, f)| f.clone())
            .collect()
    }
}

/// Each request on a connection of its own: a browser asks again by itself when a connection
/// it reused turns out closed by a process going away, and reqwest does not. The server
/// closes it (`Connection: close`), so the thousands of closed connections wait out their
/// TIME_WAIT on the servers' ports, not on this machine's ephemeral ports other tests need.
fn load_client() -> reqwest::Client {
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert(
        reqwest::header::CONNECTION,
        reqwest::header::HeaderValue::from_static("close"),
    );
    reqwest::Client::builder()
        .pool_max_idle_per_host(0)
        .default_headers(headers)
        .timeout(Duration::from_secs(30))
        .build()
        .expect("an HTTP client")
}

/// One GraphQL request; its `data`, or `Err` unless it was answered with `field` in its data,
/// no errors and no user errors under `field`.
async fn ask(
    http: &reqwest::Client,
    router: &str,
    token: &str,
    query: &str,
    variables: Value,
    field: &str,
) -> Result<Value, String> {
    let response = http
        .post(router)
        .bearer_auth(token)
        .json(&json!({ "query": query, "variables": variables }))
        .send()
        .await
        .map_err(|e| format!("{field}: no answer: {e}"))?;
    let body: Value = response
        .json()
        .await
        .map_err(|e| format!("{field}: not JSON: {e}"))?;
    let answer = &body["data"][field];
    let user_errors = answer["userErrors"].as_array().map_or(0, Vec::len);
    if body.get("errors").is_some() || answer.is_null() || user_errors > 0 {
        return Err(format!("{field}: {body}"));
    }
    Ok(body["data"].clone())
}

/// One browsing request of the load.
async fn browse(http: &reqwest::Client, router: &str, token: &str) -> Result<(), String> {
    let products = ask(
        http,
        router,
        token,
        "{ products(first: 5) { nodes { id name price { amount } } } me { id } }",
        json!({}),
        "products",
    )
    .await?;
    if products["products"]["nodes"][0]["name"] == "Compose lamp" {
        Ok(())
    } else {
        Err(format!("products: {products}"))
    }
}

/// A customer buying one lamp after another: add to cart, check out, pay, wait until paid. A
/// step that got no answer is asked again, the checkout and the payment with the same idempotency keys, until
/// it is answered; every failure is counted.
struct Buyer {
    router: String,
    token: String,
    variant: String,
    name: String,
    tally: Arc<Tally>,
    phase: Arc<AtomicUsize>,
    /// Set while this buyer's checkout request is on its way: when to kill orders.
    checking_out: Arc<AtomicBool>,
}

impl Buyer {
    /// Asks until answered (within a minute); the answer's data.
    async fn until_answered(&self, query: &str, variables: Value, field: &str) -> Value {
        let http = load_client();
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let outcome = ask(
                &http,
                &self.router,
                &self.token,
                query,
                variables.clone(),
                field,
            )
            .await;
            match outcome {
                Ok(answer) => {
                    self.tally.record(&self.phase, Ok(()));
                    return answer;
                }
                Err(failure) => {
                    assert!(Instant::now() < deadline, "never answered: {failure}");
                    self.tally.record(&self.phase, Err(failure));
                    tokio::time::sleep(Duration::from_millis(200)).await;
                }
            }
        }
    }

    /// Buys until `running` is cleared; the orders it placed.
    async fn run(self, running: Arc<AtomicBool>) -> Vec<String> {
        let mut orders = Vec::new();
        let mut bought = 0;
        while running.load(Ordering::Relaxed) {
            bought += 1;
            // Adding is not idempotent: after a lost answer, the cart says whether it took.
            let http = load_client();
            let added = ask(
                &http,
                &self.router,
                &self.token,
                "mutation($v: ID!) { addToCart(variantId: $v, quantity: 1) { cart { itemCount } userErrors { code } } }",
                json!({ "v": self.variant }),
                "addToCart",
            )
            .await;
            let lost = added.is_err();
            self.tally.record(&self.phase, added.map(|_| ()));
            if lost {
                let cart = self
                    .until_answered("{ me { id } cart { itemCount } }", json!({}), "me")
                    .await;
                if cart["cart"]["itemCount"].as_i64().unwrap_or(0) == 0 {
                    continue;
                }
            }
            let key = format!("{}-{bought}", self.name);
            self.checking_out.store(true, Ordering::SeqCst);
            let checkout = self
                .until_answered(
                    "mutation($i: CheckoutInput!) { checkout(input: $i) { order { id } userErrors { code } } }",
                    json!({ "i": { "idempotencyKey": key, "shippingAddress": common::shop::address() } }),
                    "checkout",
                )
                .await;
            self.checking_out.store(false, Ordering::SeqCst);
            let order = checkout["checkout"]["order"]["id"]
                .as_str()
                .expect("an order id")
                .to_owned();
            self.until_answered(
                "mutation($i: PayOrderInput!) { payOrder(input: $i) { payment { id } userErrors { code } } }",
                json!({ "i": { "orderId": order, "provider": "sandbox",
                               "paymentMethodToken": "sandbox_ok", "idempotencyKey": format!("{key}-pay") } }),
                "payOrder",
            )
            .await;
            // Like a customer, not a script: the next purchase once this one is paid (the
            // shop refuses too many unpaid orders, and payment is confirmed asynchronously).
            let deadline = Instant::now() + Duration::from_secs(60);
            loop {
                let paid = self
                    .until_answered(
                        "query($id: ID!) { order(id: $id) { status } }",
                        json!({ "id": order }),
                        "order",
                    )
                    .await;
                if paid["order"]["status"] == "PAID" {
                    break;
                }
                assert!(
                    Instant::now() < deadline,
                    "order {order} never paid: {paid}"
                );
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            orders.push(order);
        }
        orders
    }
}

/// Every order the buyer placed is paid once, and the buyer has no other order.
async fn check_orders(router: &str, token: &str, placed: &[String]) {
    let http = load_client();
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let mine = ask(
            &http,
            router,
            token,
            "{ me { orders(first: 100) { totalCount nodes { id status payments { status } } } } }",
            json!({}),
            "me",
        )
        .await
        .expect("the customer's orders");
        let nodes = mine["me"]["orders"]["nodes"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        let mut ids: Vec<&str> = nodes.iter().filter_map(|o| o["id"].as_str()).collect();
        ids.sort_unstable();
        let mut expected: Vec<&str> = placed.iter().map(String::as_str).collect();
        expected.sort_unstable();
        assert_eq!(ids, expected, "orders lost or doubled: {mine}");
        let settled = nodes.iter().all(|o| {
            o["status"] == "PAID"
                && o["payments"].as_array().map(Vec::len) == Some(1)
                && o["payments"][0]["status"] == "CAPTURED"
        });
        if settled {
            return;
        }
        for order in &nodes {
            let payments = order["payments"].as_array().map_or(0, Vec::len);
            assert!(payments <= 1, "charged twice: {order}");
        }
        assert!(
            Instant::now() < deadline,
            "orders not all paid once: {mine}"
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

fn position(processes: &Processes, label: &str) -> usize {
    processes
        .0
        .iter()
        .position(|(n, _)| n == label)
        .unwrap_or_else(|| panic!("{label} is not running"))
}

/// Stops a process as the platform does: SIGTERM, then SIGKILL if it has not drained in time.
async fn terminate(child: &mut Child, label: &str) {
    let sent = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .expect("run kill");
    assert!(sent.success(), "could not signal {label}");
    let deadline = Instant::now() + Duration::from_secs(30);
    while child.try_wait().expect("wait").is_none() {
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("{label} did not stop within 30 s of SIGTERM");
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// The installation under test: its services, where they run, and its processes.
struct Installation {
    services: BTreeMap<String, Service>,
    /// Subgraphs in port order, each with its compose port.
    subgraphs: Vec<(String, u16)>,
    first_port: u16,
    site: Site,
    processes: Processes,
    /// The ports the two routers listen on, behind the one address clients use.
    router_ports: [u16; 2],
    /// Each subgraph's service address, and the routers' ("router").
    vips: BTreeMap<String, Vip>,
}

impl Installation {
    fn replicas(&self, name: &str) -> usize {
        self.services[name].replicas.clamp(1, 2)
    }

    fn port(&self, name: &str, replica: usize) -> u16 {
        let (_, port) = self
            .subgraphs
            .iter()
            .find(|(n, _)| n == name)
            .unwrap_or_else(|| panic!("no subgraph {name}"));
        self.site.port_bases[replica] + (port - self.first_port)
    }

    fn start_subgraph(&mut self, name: &str, replica: usize) {
        let child = self
            .site
            .command(name, &self.services[name], replica)
            .spawn()
            .expect("start a subgraph");
        self.place(format!("{name}-{replica}"), child);
    }

    /// Router `index`: given every replica's URL, as compose's DNS would spread them.
    fn start_router(&mut self, index: usize) {
        let mut router = self.site.command("router", &self.services["router"], index);
        for (name, _) in &self.subgraphs {
            let urls: Vec<String> = (0..self.replicas(name))
                .map(|r| format!("http://127.0.0.1:{}/graphql", self.port(name, r)))
                .collect();
            router.env(
                format!("MICROMALL_ROUTER_{}_URLS", name.to_uppercase()),
                urls.join(","),
            );
        }
        router.env(
            "MICROMALL_ROUTER_LISTEN",
            format!("127.0.0.1:{}", self.router_ports[index]),
        );
        let child = router.spawn().expect("start a router");
        self.place(format!("router-{index}"), child);
    }

    /// Keeps `child` under `label`, in place of an earlier process of that label.
    fn place(&mut self, label: String, child: Child) {
        match self.processes.0.iter().position(|(n, _)| *n == label) {
            Some(i) => self.processes.0[i].1 = child,
            None => self.processes.0.push((label, child)),
        }
    }

    async fn wait_ready(&self, label: &str) {
        let url = match label.rsplit_once('-') {
            Some(("router", index)) => {
                let index: usize = index.parse().expect("a router index");
                format!("http://127.0.0.1:{}/health", self.router_ports[index])
            }
            Some((name, replica)) => format!(
                "http://127.0.0.1:{}/health/ready",
                self.port(name, replica.parse().expect("a replica number"))
            ),
            None => panic!("unknown process {label}"),
        };
        wait_healthy(&url, label).await;
    }

    /// SIGKILL: no draining.
    fn kill(&mut self, label: &str) {
        let i = position(&self.processes, label);
        self.processes.0[i].1.kill().expect("kill");
        let _ = self.processes.0[i].1.wait();
    }

    /// Stops `label` as the chart has Kubernetes do it (out of its Service, the preStop
    /// pause, SIGTERM, drained) and starts it again, back in its Service once ready.
    async fn restart(&mut self, label: &str) {
        let (service, port) = self.address_of(label);
        self.vips[&service].withdraw(port);
        tokio::time::sleep(Duration::from_millis(300)).await;
        let i = position(&self.processes, label);
        terminate(&mut self.processes.0[i].1, label).await;
        self.start(label);
        self.wait_ready(label).await;
        self.vips[&service].restore(port);
    }

    /// The service `label` stands behind, and its port there.
    fn address_of(&self, label: &str) -> (String, u16) {
        let (name, index) = label.rsplit_once('-').expect("name-replica");
        let index: usize = index.parse().expect("a replica number");
        if name == "router" {
            (name.to_owned(), self.router_ports[index])
        } else {
            (name.to_owned(), self.port(name, index))
        }
    }

    fn start(&mut self, label: &str) {
        let (name, index) = label.rsplit_once('-').expect("name-replica");
        let index: usize = index.parse().expect("a replica number");
        if name == "router" {
            self.start_router(index);
        } else {
            self.start_subgraph(name, index);
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
#[cfg_attr(
    not(all(deploy_tools, postgres_tests, nats_tests, redis_tests)),
    ignore = "needs MICROMALL_TEST_TOOLS (.ci/tools) and the PostgreSQL, NATS and Redis test servers"
)]
async fn the_compose_file_runs_and_survives_lost_replicas_restarts_and_a_crash_mid_checkout() {
    micromall_kit::telemetry::install_crypto_provider();
    let services = services();
    let subgraphs: Vec<(String, u16)> = {
        // Each subgraph's compose port, from the URLs every subgraph is given.
        let env = &services["catalog"].env;
        let mut list: Vec<(String, u16)> = env
            .iter()
            .filter_map(|(k, v)| {
                let name = k
                    .strip_prefix("MICROMALL_")?
                    .strip_suffix("_URL")?
                    .to_ascii_lowercase();
                services
                    .get(&name)?
                    .command
                    .first()
                    .filter(|c| *c == "subgraph")?;
                let port = v.rsplit(':').next()?.parse().ok()?;
                Some((name, port))
            })
            .collect();
        list.sort_by_key(|(_, port)| *port);
        list
    };
    assert!(subgraphs.len() >= 11, "{subgraphs:?}");
    let first_port = subgraphs[0].1;
    // base: the routers' one address; then two replicas' port ranges, the sandboxes, each
    // subgraph's service address, and the two routers.
    let width = subgraphs.len() as u16;
    let base = common::free_port_base(4 * width + 8);
    let root = std::env::temp_dir().join(format!(
        "micromall-compose-{}",
        uuid::Uuid::now_v7().simple()
    ));
    let mut site = Site {
        root: root.clone(),
        addresses: BTreeMap::new(),
        port_bases: (0..2).map(|r| base + 1 + r * width).collect(),
        databases: BTreeMap::new(),
        nats_prefix: format!("compose{}", uuid::Uuid::now_v7().simple()),
    };
    let service_base = base + 1 + 2 * width + 2;
    let mut vips = BTreeMap::new();
    for (name, port) in &subgraphs {
        let offset = port - first_port;
        let address = service_base + offset;
        site.addresses.insert(format!("{name}:{port}"), address);
        let replicas = services[name].replicas.clamp(1, 2);
        let backends = (0..replicas).map(|r| site.port_bases[r] + offset).collect();
        vips.insert(name.clone(), Vip::start(address, backends).await);
        site.databases.insert(
            name.clone(),
            TestDatabase::create(Backend::Postgres)
                .await
                .expect("a database"),
        );
    }
    let mut extra = base + 1 + 2 * width;
    for (name, service) in &services {
        if service.command.first().map(String::as_str) == Some("sandbox") {
            let listen = service.env.iter().find(|(k, _)| k.ends_with("_LISTEN"));
            let (_, value) = listen.expect("a sandbox listens somewhere");
            let port = value.rsplit(':').next().expect("a port");
            site.addresses.insert(format!("{name}:{port}"), extra);
            site.addresses.insert(format!("0.0.0.0:{port}"), extra);
            extra += 1;
        }
    }
    let router_ports = [service_base + width, service_base + width + 1];
    let router_listen = services["router"].env["MICROMALL_ROUTER_LISTEN"].clone();
    site.addresses.insert(router_listen, router_ports[0]);

    // The one-shot secrets service: its script, its volumes as directories.
    let secrets = &services["secrets"];
    let out = root.join("out");
    std::fs::create_dir_all(&out).expect("out");
    for (volume, target) in &secrets.volumes {
        if let Some(place) = target.strip_prefix("/out/") {
            std::os::unix::fs::symlink(site.volume_dir(volume), out.join(place)).expect("link");
        }
    }
    let made = Command::new("bash")
        .arg(repo().join("deploy/secrets/generate.sh"))
        .env("MICROMALL_SECRETS_OUT", &out)
        .output()
        .expect("run the secrets script");
    assert!(
        made.status.success(),
        "{}",
        String::from_utf8_lossy(&made.stderr)
    );

    // Migrations first, as compose orders them; then every replica of every subgraph.
    for (name, service) in &services {
        if service.command.first().map(String::as_str) == Some("migrate") {
            run_to_end(&site, name, service);
        }
    }
    let mut shop = Installation {
        services,
        subgraphs,
        first_port,
        site,
        processes: Processes::default(),
        router_ports,
        vips,
    };
    let names: Vec<String> = shop.subgraphs.iter().map(|(n, _)| n.clone()).collect();
    let mut labels = Vec::new();
    for name in &names {
        for replica in 0..shop.replicas(name) {
            shop.start_subgraph(name, replica);
            labels.push(format!("{name}-{replica}"));
        }
    }
    let sandboxes: Vec<String> = shop
        .services
        .iter()
        .filter(|(_, s)| s.command.first().map(String::as_str) == Some("sandbox"))
        .map(|(n, _)| n.clone())
        .collect();
    for name in sandboxes {
        let child = shop
            .site
            .command(&name, &shop.services[&name], 0)
            .spawn()
            .expect("start a sandbox");
        shop.processes.0.push((name, child));
    }
    for label in &labels {
        shop.wait_ready(label).await;
    }
    run_to_end(&shop.site, "supergraph", &shop.services["supergraph"]);
    for index in 0..2 {
        shop.start_router(index);
        labels.push(format!("router-{index}"));
    }
    for index in 0..2 {
        shop.wait_ready(&format!("router-{index}")).await;
    }
    let front = Vip::start(base, router_ports.to_vec()).await;
    let router_base = format!("http://127.0.0.1:{}", front.port);
    shop.vips.insert("router".into(), front);
    let router_url = format!("{router_base}/graphql");

    // A product to browse and buy, and people signed in (never served from a cache).
    let admin = login(&router_base, ADMIN, ADMIN_PASSWORD).await;
    let created = gql(
        &router_base,
        "mutation($i: CreateProductInput!) { createProduct(input: $i) { product { id variants { id } } userErrors { code } } }",
        json!({ "i": { "name": "Compose lamp", "description": "runs from docker-compose.yml",
                      "variants": [{ "sku": "COMPOSE-1", "name": "Standard", "price": "12.00" }] } }),
        Some(&admin),
    )
    .await;
    let variant = created["data"]["createProduct"]["product"]["variants"][0]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("createProduct failed: {created}"))
        .to_owned();
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let stocked = gql(
            &router_base,
            "mutation($v: ID!) { setStock(variantId: $v, quantity: 100000) { variant { stock { available } } userErrors { code } } }",
            json!({ "v": variant }),
            Some(&admin),
        )
        .await;
        if stocked["data"]["setStock"]["variant"]["stock"]["available"] == 100000 {
            break;
        }
        assert!(Instant::now() < deadline, "setStock failed: {stocked}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let mut customers = Vec::new();
    for n in 0..2 {
        let email = format!("buyer{n}-{}@example.com", uuid::Uuid::now_v7().simple());
        let registered = gql(
            &router_base,
            "mutation($i: RegisterInput!) { register(input: $i) { user { id } userErrors { code } } }",
            json!({ "i": { "email": email, "password": "buyer password 1", "name": "Buyer" } }),
            None,
        )
        .await;
        assert!(
            registered["data"]["register"]["user"]["id"].is_string(),
            "{registered}"
        );
        customers.push(login(&router_base, &email, "buyer password 1").await);
    }

    let tally = Arc::new(Tally::default());
    let phase = Arc::new(AtomicUsize::new(0));
    let running = Arc::new(AtomicBool::new(true));
    let checking_out = Arc::new(AtomicBool::new(false));
    let mut browsing = Vec::new();
    for _ in 0..4 {
        let (router_url, token) = (router_url.clone(), admin.clone());
        let (tally, phase, running) = (tally.clone(), phase.clone(), running.clone());
        browsing.push(tokio::spawn(async move {
            let http = load_client();
            while running.load(Ordering::Relaxed) {
                let outcome = browse(&http, &router_url, &token).await;
                tally.record(&phase, outcome);
            }
        }));
    }
    let mut buying = Vec::new();
    for (n, token) in customers.iter().enumerate() {
        let buyer = Buyer {
            router: router_url.clone(),
            token: token.clone(),
            variant: variant.clone(),
            name: format!("buyer{n}"),
            tally: tally.clone(),
            phase: phase.clone(),
            checking_out: checking_out.clone(),
        };
        buying.push(tokio::spawn(buyer.run(running.clone())));
    }
    tokio::time::sleep(Duration::from_secs(2)).await;
    let before_first_kill = tally.answered(0);

    // 1. One catalog replica dies at once; it comes back, and the router takes it in again
    //    once it is healthy, so losing the other one costs nothing either.
    shop.kill("catalog-1");
    tokio::time::sleep(Duration::from_secs(3)).await;
    shop.start("catalog-1");
    shop.wait_ready("catalog-1").await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    shop.kill("catalog-0");
    tokio::time::sleep(Duration::from_secs(3)).await;
    shop.start("catalog-0");
    shop.wait_ready("catalog-0").await;
    tokio::time::sleep(Duration::from_secs(1)).await;

    // 2. Every process restarted in turn, drained first, as a rolling update does.
    phase.store(1, Ordering::SeqCst);
    for label in &labels {
        shop.restart(label).await;
    }
    tokio::time::sleep(Duration::from_secs(1)).await;

    // 3. Every orders replica killed while a checkout is on its way, then brought back.
    phase.store(2, Ordering::SeqCst);
    let deadline = Instant::now() + Duration::from_secs(20);
    while !checking_out.load(Ordering::SeqCst) {
        assert!(Instant::now() < deadline, "no checkout under way");
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
    let orders: Vec<String> = (0..shop.replicas("orders"))
        .map(|r| format!("orders-{r}"))
        .collect();
    for label in &orders {
        shop.kill(label);
    }
    tokio::time::sleep(Duration::from_secs(2)).await;
    for label in &orders {
        shop.start(label);
    }
    for label in &orders {
        shop.wait_ready(label).await;
    }
    phase.store(3, Ordering::SeqCst);
    tokio::time::sleep(Duration::from_secs(2)).await;

    running.store(false, Ordering::Relaxed);
    for task in browsing {
        task.await.expect("a browsing task");
    }
    let mut placed = Vec::new();
    for task in buying {
        placed.push(task.await.expect("a buying task"));
    }
    for (phase, name) in PHASES.iter().enumerate() {
        eprintln!(
            "{name}: {} answered, {} failed",
            tally.answered(phase),
            tally.failed(phase).len()
        );
    }
    eprintln!(
        "orders placed: {} ({})",
        placed.iter().map(Vec::len).sum::<usize>(),
        placed
            .iter()
            .map(|p| p.len().to_string())
            .collect::<Vec<_>>()
            .join(" + ")
    );
    for phase in [0, 1, 3] {
        let failed = tally.failed(phase);
        assert!(
            failed.is_empty(),
            "{}: {} requests failed, e.g. {}",
            PHASES[phase],
            failed.len(),
            failed[0]
        );
    }
    assert!(
        before_first_kill > 0 && tally.answered(0) > before_first_kill * 2,
        "the load kept flowing: {before_first_kill} before the first kill, {} in all",
        tally.answered(0)
    );
    assert!(tally.answered(1) > 0 && tally.answered(2) > 0);
    for (token, placed) in customers.iter().zip(&placed) {
        assert!(!placed.is_empty(), "a customer bought nothing");
        check_orders(&router_url, token, placed).await;
    }
    drop(shop);
    std::fs::remove_dir_all(&root).ok();
}
