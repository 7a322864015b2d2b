//! The distributed mode as `docker-compose.yml` describes it, run here without a container
//! engine: each service's command and environment are read from the file (through
//! `docker-compose config`, so anchors and `${...}` are resolved as compose resolves them) and
//! run as processes on loopback against this machine's PostgreSQL, Redis and NATS. What the
//! test changes is only what a container network gives for free: host names become
//! 127.0.0.1, each replica gets ports of its own (and an instance id, a container's host
//! name), volumes become directories, and the databases are the test's own. The router is
//! given every replica's URL, as compose's DNS would spread them.
//!
//! Then, under a steady load of signed-in browsing: a catalog replica killed loses no
//! request; brought back, it rejoins, so killing the other one loses none either.

mod common;

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
    /// `host:port` as compose names it → `127.0.0.1:port` here (replica 0 for subgraphs).
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
            .env("MICROMALL_INSTANCE_ID", format!("{name}-{replica}"));
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

/// One browsing request of the load; `Err` with what went wrong.
async fn browse(http: &reqwest::Client, router: &str, token: &str) -> Result<(), String> {
    let response = http
        .post(router)
        .bearer_auth(token)
        .json(&json!({ "query": "{ products(first: 5) { nodes { id name price { amount } } } me { id } }" }))
        .send()
        .await
        .map_err(|e| format!("no answer: {e}"))?;
    let body: Value = response
        .json()
        .await
        .map_err(|e| format!("not JSON: {e}"))?;
    if body.get("errors").is_none()
        && body["data"]["products"]["nodes"][0]["name"] == "Compose lamp"
    {
        Ok(())
    } else {
        Err(body.to_string())
    }
}

fn position(processes: &Processes, label: &str) -> usize {
    processes
        .0
        .iter()
        .position(|(n, _)| n == label)
        .unwrap_or_else(|| panic!("{label} is not running"))
}

#[tokio::test]
#[cfg_attr(
    not(all(deploy_tools, postgres_tests, nats_tests, redis_tests)),
    ignore = "needs MICROMALL_TEST_TOOLS (.ci/tools) and the PostgreSQL, NATS and Redis test servers"
)]
async fn the_compose_file_runs_and_a_replica_lost_under_load_costs_no_request() {
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
    let base = common::free_port_base(40);
    let width = subgraphs.len() as u16;
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
    for (name, port) in &subgraphs {
        site.addresses.insert(
            format!("{name}:{port}"),
            site.port_bases[0] + (port - first_port),
        );
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
    let router_listen = services["router"].env["MICROMALL_ROUTER_LISTEN"].clone();
    site.addresses.insert(router_listen.clone(), base);

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

    let mut processes = Processes::default();
    // Migrations first, as compose orders them; then every replica of every subgraph.
    for (name, service) in &services {
        if service.command.first().map(String::as_str) == Some("migrate") {
            run_to_end(&site, name, service);
        }
    }
    for (name, _) in &subgraphs {
        let service = &services[name];
        for replica in 0..service.replicas.min(2) {
            let child = site
                .command(name, service, replica)
                .spawn()
                .expect("start a subgraph");
            processes.0.push((format!("{name}-{replica}"), child));
        }
    }
    for (name, service) in &services {
        if service.command.first().map(String::as_str) == Some("sandbox") {
            let child = site
                .command(name, service, 0)
                .spawn()
                .expect("start a sandbox");
            processes.0.push((name.clone(), child));
        }
    }
    for (name, port) in &subgraphs {
        for replica in 0..services[name].replicas.min(2) {
            let here = site.port_bases[replica] + (port - first_port);
            wait_healthy(&format!("http://127.0.0.1:{here}/health/ready"), name).await;
        }
    }
    run_to_end(&site, "supergraph", &services["supergraph"]);
    // Compose's DNS spreads a service's name over its replicas; here the router is told.
    let router_service = &services["router"];
    let mut router = site.command("router", router_service, 0);
    for (name, port) in &subgraphs {
        let replicas = services[name].replicas.min(2);
        if replicas > 1 {
            let urls: Vec<String> = (0..replicas)
                .map(|r| {
                    format!(
                        "http://127.0.0.1:{}/graphql",
                        site.port_bases[r] + (port - first_port)
                    )
                })
                .collect();
            router.env(
                format!("MICROMALL_ROUTER_{}_URLS", name.to_uppercase()),
                urls.join(","),
            );
        }
    }
    processes
        .0
        .push(("router".into(), router.spawn().expect("start the router")));
    let router_base = format!("http://127.0.0.1:{base}");
    let router_url = format!("{router_base}/graphql");
    wait_healthy(&format!("{router_base}/health"), "the router").await;

    // A product to browse, and someone signed in to browse it (never served from a cache).
    let admin = login(&router_base, ADMIN, ADMIN_PASSWORD).await;
    let created = gql(
        &router_base,
        "mutation($i: CreateProductInput!) { createProduct(input: $i) { product { id variants { id } } userErrors { code } } }",
        json!({ "i": { "name": "Compose lamp", "description": "runs from docker-compose.yml",
                      "variants": [{ "sku": "COMPOSE-1", "name": "Standard", "price": "12.00" }] } }),
        Some(&admin),
    )
    .await;
    assert!(
        created["data"]["createProduct"]["product"]["id"].is_string(),
        "{created}"
    );
    // The administrator browses: a customer would register from 127.0.0.1, which the shared
    // Redis already counts for every other test on this machine.
    let shopper = admin.clone();

    let answered = Arc::new(AtomicUsize::new(0));
    let failed = Arc::new(std::sync::Mutex::new(Vec::<String>::new()));
    let running = Arc::new(AtomicBool::new(true));
    let mut load = Vec::new();
    for _ in 0..4 {
        let (router_url, shopper) = (router_url.clone(), shopper.clone());
        let (answered, failed, running) = (answered.clone(), failed.clone(), running.clone());
        load.push(tokio::spawn(async move {
            let http = reqwest::Client::new();
            while running.load(Ordering::Relaxed) {
                match browse(&http, &router_url, &shopper).await {
                    Ok(()) => {
                        answered.fetch_add(1, Ordering::Relaxed);
                    }
                    Err(failure) => failed
                        .lock()
                        .unwrap_or_else(|e| e.into_inner())
                        .push(failure),
                }
            }
        }));
    }
    let catalog = services.get("catalog").expect("catalog");
    tokio::time::sleep(Duration::from_secs(2)).await;
    let before_first_kill = answered.load(Ordering::Relaxed);
    // One catalog replica dies at once (SIGKILL: no draining).
    let one = position(&processes, "catalog-1");
    processes.0[one].1.kill().expect("kill catalog-1");
    let _ = processes.0[one].1.wait();
    tokio::time::sleep(Duration::from_secs(3)).await;
    // It comes back, and the router takes it in again once it is healthy...
    processes.0[one].1 = site
        .command("catalog", catalog, 1)
        .spawn()
        .expect("restart catalog-1");
    let catalog_port = site.port_bases[1]
        + (subgraphs
            .iter()
            .find(|(n, _)| n == "catalog")
            .expect("catalog")
            .1
            - first_port);
    wait_healthy(
        &format!("http://127.0.0.1:{catalog_port}/health/ready"),
        "catalog-1 again",
    )
    .await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    // ...so losing the other one costs nothing either.
    let zero = position(&processes, "catalog-0");
    processes.0[zero].1.kill().expect("kill catalog-0");
    let _ = processes.0[zero].1.wait();
    tokio::time::sleep(Duration::from_secs(3)).await;
    running.store(false, Ordering::Relaxed);
    for task in load {
        task.await.expect("a load task");
    }
    let answered = answered.load(Ordering::Relaxed);
    let failed = failed.lock().unwrap_or_else(|e| e.into_inner()).clone();
    eprintln!(
        "browsing under replica loss: {answered} answered, {} failed",
        failed.len()
    );
    assert!(
        failed.is_empty(),
        "{} requests failed, e.g. {}",
        failed.len(),
        failed[0]
    );
    assert!(
        before_first_kill > 0 && answered > before_first_kill * 2,
        "the load kept flowing: {before_first_kill} before the first kill, {answered} in all"
    );
    drop(processes);
    std::fs::remove_dir_all(&root).ok();
}
