//! A `micromall` process as a user starts it, on free ports, for end-to-end tests.

#![allow(dead_code)]

pub mod provider_proxy;
pub mod shop;
pub mod vip;

use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use micromall_kit::testing::GraphqlClient;
use serde_json::Value;

pub struct Stack {
    pub child: Child,
    /// The router, which clients use.
    pub base: String,
    /// The accounts subgraph, behind it.
    pub accounts: String,
    pub data_dir: std::path::PathBuf,
    pub port_base: u16,
    env: Vec<(String, String)>,
}

impl Drop for Stack {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.data_dir);
        let _ = std::fs::remove_file(log_file(&self.data_dir));
    }
}

/// Port ranges already handed to a stack of this test process: tests run in parallel, and a
/// range probed free can still overlap one another test is about to bind.
static TAKEN: std::sync::Mutex<Vec<u16>> = std::sync::Mutex::new(Vec::new());

/// A port range nobody listens on: probe `base` and the ports after it.
pub fn free_port_base(span: u16) -> u16 {
    'search: for _ in 0..50 {
        let probe = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        if probe > u16::MAX - span {
            continue;
        }
        let mut taken = TAKEN.lock().unwrap();
        if taken
            .iter()
            .any(|&base| probe < base + span && base < probe + span)
        {
            continue;
        }
        for port in probe..probe + span {
            if TcpListener::bind(("127.0.0.1", port)).is_err() {
                continue 'search;
            }
        }
        taken.push(probe);
        return probe;
    }
    panic!("no free port range");
}

pub async fn start() -> Stack {
    start_with(&[]).await
}

/// Starts with extra environment variables.
pub async fn start_with(env: &[(&str, &str)]) -> Stack {
    let env: Vec<(String, String)> = env
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    // A port can still be taken by something outside this process between probe and bind:
    // then the process exits at start-up and we try another range, a few times.
    for _ in 0..3 {
        let data_dir =
            std::env::temp_dir().join(format!("micromall-e2e-{}", uuid::Uuid::now_v7().simple()));
        // Router, eleven subgraphs, the payment and carrier sandboxes.
        let port_base = free_port_base(14);
        let mut stack = Stack {
            child: spawn(&data_dir, port_base, &env),
            base: format!("http://127.0.0.1:{port_base}"),
            accounts: format!("http://127.0.0.1:{}", port_base + 1),
            data_dir,
            port_base,
            env: env.clone(),
        };
        if stack.wait_ready().await {
            return stack;
        }
    }
    panic!("micromall exited during start-up three times");
}

/// Where the process's logs go, for tests that check what was logged.
/// Beside the data directory, not in it: the process creates that directory itself (0700).
fn log_file(data_dir: &std::path::Path) -> std::path::PathBuf {
    data_dir.with_extension("log")
}

fn spawn(data_dir: &std::path::Path, port_base: u16, env: &[(String, String)]) -> Child {
    let log = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(log_file(data_dir))
        .expect("open the log file");
    let log_err = log.try_clone().expect("clone the log file");
    command(data_dir, port_base, env)
        .stdout(Stdio::from(log))
        .stderr(Stdio::from(log_err))
        .spawn()
        .expect("start micromall")
}

/// `micromall` as a test starts it: its own data directory and ports, an admin, no servers.
fn command(data_dir: &std::path::Path, port_base: u16, env: &[(String, String)]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_micromall"));
    command
        .env("MICROMALL_DATA_DIR", data_dir)
        .env("MICROMALL_SUBGRAPH_PORT_BASE", (port_base + 1).to_string())
        .env("MICROMALL_ROUTER_LISTEN", format!("127.0.0.1:{port_base}"))
        .env(
            "MICROMALL_SANDBOX_LISTEN",
            format!("127.0.0.1:{}", port_base + 12),
        )
        .env(
            "MICROMALL_CARRIER_SANDBOX_LISTEN",
            format!("127.0.0.1:{}", port_base + 13),
        )
        // Parcels travel in about a second rather than a quarter of a minute.
        .env("MICROMALL_CARRIER_SANDBOX_SCAN_INTERVAL", "150ms")
        .env("MICROMALL_ADMIN_EMAIL", "boss@example.com")
        .env("MICROMALL_ADMIN_PASSWORD", "boss password 123")
        // Every test customer registers from loopback, dozens at once.
        .env("MICROMALL_REGISTER_PER_ADDRESS", "100000")
        .env("MICROMALL_HASHING_QUEUE", "1000")
        // The suites read their own writes at once, also anonymously; the router's cache of
        // anonymous answers (seconds old by design) has its own test (tests/embedded.rs).
        .env("MICROMALL_ROUTER_SUBGRAPH_CACHE_BYTES", "0")
        .env_remove("DATABASE_URL")
        .env_remove("NATS_URL")
        .env_remove("REDIS_URL")
        .envs(env.iter().map(|(k, v)| (k.as_str(), v.as_str())));
    command
}

/// Runs `micromall <args>` on a fresh data directory and free ports until it exits (within a
/// minute); returns whether it succeeded and everything it wrote.
pub fn run_to_exit(args: &[&str], env: &[(&str, &str)]) -> (bool, String) {
    let data_dir =
        std::env::temp_dir().join(format!("micromall-exit-{}", uuid::Uuid::now_v7().simple()));
    let env: Vec<(String, String)> = env
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    let mut command = command(&data_dir, free_port_base(14), &env);
    let outcome = wait_for_exit(command.args(args));
    let _ = std::fs::remove_dir_all(&data_dir);
    outcome
}

/// Runs `command` until it exits; returns whether it succeeded and everything it wrote
/// (logs on stdout, the error on stderr).
fn wait_for_exit(command: &mut Command) -> (bool, String) {
    let mut child = command
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start micromall");
    // Read while it runs: a full pipe would block it.
    let readers = [
        read_all(child.stdout.take().expect("piped stdout")),
        read_all(child.stderr.take().expect("piped stderr")),
    ];
    let deadline = Instant::now() + Duration::from_secs(60);
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait for micromall") {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("micromall was expected to exit but kept running");
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let output: Vec<String> = readers
        .into_iter()
        .map(|r| r.join().unwrap_or_default())
        .collect();
    (status.success(), output.join("\n"))
}

fn read_all(mut pipe: impl std::io::Read + Send + 'static) -> std::thread::JoinHandle<String> {
    std::thread::spawn(move || {
        let mut text = String::new();
        let _ = pipe.read_to_string(&mut text);
        text
    })
}

impl Stack {
    /// What the process has logged so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(log_file(&self.data_dir)).unwrap_or_default()
    }

    /// Runs another `micromall` command (`micromall events dead-letters`, say) with this
    /// stack's data directory and settings; returns its exit success and output.
    pub fn command(&self, args: &[&str]) -> (bool, String) {
        let output = Command::new(env!("CARGO_BIN_EXE_micromall"))
            .args(args)
            .env("MICROMALL_DATA_DIR", &self.data_dir)
            .env_remove("DATABASE_URL")
            .env_remove("NATS_URL")
            .env_remove("REDIS_URL")
            .envs(self.env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            .output()
            .expect("run micromall");
        let mut text = String::from_utf8_lossy(&output.stdout).into_owned();
        text.push_str(&String::from_utf8_lossy(&output.stderr));
        (output.status.success(), text)
    }

    /// The URL of the subgraph at `offset` in the port table (payments is 6).
    pub fn subgraph(&self, offset: u16) -> String {
        format!("http://127.0.0.1:{}", self.port_base + 1 + offset)
    }

    /// Starts the process again on the same data, ports and settings, minus `without`.
    pub async fn restart_without(&mut self, without: &[&str]) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        self.env.retain(|(k, _)| !without.contains(&k.as_str()));
        // While the process was down, an outgoing connection of another test may have been
        // given one of its ports as its local port, and hold it a while: start-up then fails
        // to listen. Try again for a while, as a first start tries other ports.
        for _ in 0..15 {
            self.child = spawn(&self.data_dir, self.port_base, &self.env);
            if self.wait_ready().await {
                return;
            }
            tokio::time::sleep(Duration::from_secs(2)).await;
        }
        let log = self.log();
        let tail: String = log
            .lines()
            .rev()
            .take(20)
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
            .collect::<Vec<_>>()
            .join("\n");
        panic!("micromall exited during restart, fifteen times; its log ends:\n{tail}");
    }

    /// Stops the process and starts it on the same data and ports with `extra` settings on
    /// top, expecting it to exit; returns whether it succeeded and its output. The stack is
    /// left stopped (`restart_without(&[])` brings it back with its own settings).
    pub fn run_to_exit_with(&mut self, extra: &[(&str, &str)]) -> (bool, String) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let mut env = self.env.clone();
        env.extend(
            extra
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned())),
        );
        wait_for_exit(&mut command(&self.data_dir, self.port_base, &env))
    }

    /// Waits until the router and accounts answer; false if the process exited first.
    async fn wait_ready(&mut self) -> bool {
        let deadline = Instant::now() + Duration::from_secs(300);
        loop {
            let subgraph = reqwest::get(format!("{}/health/ready", self.accounts)).await;
            let router = reqwest::get(format!("{}/health", self.base)).await;
            if let (Ok(s), Ok(r)) = (subgraph, router) {
                if s.status().is_success() && r.status().is_success() {
                    return true;
                }
            }
            if let Ok(Some(_)) = self.child.try_wait() {
                return false;
            }
            assert!(Instant::now() < deadline, "micromall did not become ready");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

/// A GraphQL operation through the router at `base`.
pub async fn gql(base: &str, query: &str, variables: Value, token: Option<&str>) -> Value {
    GraphqlClient::new(format!("{base}/graphql"))
        .gql(query, variables, token)
        .await
}

/// Signs in through the router at `base`; the access token.
pub async fn login(base: &str, email: &str, password: &str) -> String {
    GraphqlClient::new(format!("{base}/graphql"))
        .login(email, password)
        .await
        .0
}

#[allow(unused_imports)]
pub use micromall_kit::testing::error_code as code;
