//! The deployment files (`Dockerfile`, `docker-compose.yml`, `helm/micromall`,
//! `.github/workflows`), checked with the tools their users run: hadolint, docker-compose,
//! helm with kubernetes-validate (the Kubernetes 1.30 API schemas) and actionlint. `.ci/tools`
//! installs them and prints their directory, for `MICROMALL_TEST_TOOLS`; without it the tests
//! that need them report themselves ignored.
//!
//! Beyond "the linter passed", they check what someone deploying would notice: every
//! subgraph the binary knows is deployed, starts only after its migration, has probes,
//! resources and time to drain; the router's pods roll when the supergraph changes; no secret
//! is written in the compose file.
//!
//! No image is built and nothing runs in a container engine or a cluster here: there is none.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use serde_json::{Map, Value, json};

const PRODUCTION: &str = "helm/micromall/values-production.yaml";

/// The repository root.
fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn read(path: &str) -> String {
    std::fs::read_to_string(repo().join(path)).unwrap_or_else(|e| panic!("cannot read {path}: {e}"))
}

/// One of the tools `.ci/tools` installs, at `$MICROMALL_TEST_TOOLS/bin/NAME`.
fn tool(name: &str) -> PathBuf {
    let dir = std::env::var_os("MICROMALL_TEST_TOOLS")
        .expect("MICROMALL_TEST_TOOLS names the directory .ci/tools printed");
    let path = PathBuf::from(dir).join("bin").join(name);
    assert!(
        path.exists(),
        "{} is missing: run .ci/tools",
        path.display()
    );
    path
}

/// Runs a tool in the repository root, `input` on its stdin, and returns what it printed on
/// stdout. Fails the test with everything it printed unless it exits 0.
fn run(name: &str, args: &[&str], input: Option<&str>) -> String {
    let mut child = Command::new(tool(name))
        .args(args)
        .current_dir(repo())
        // What docker-compose.yml takes from the user's shell: unset, as for a first start.
        .env_remove("MICROMALL_ADMIN_EMAIL")
        .env_remove("MICROMALL_ADMIN_PASSWORD")
        .env_remove("MICROMALL_IMAGE")
        .env_remove("ELASTICSEARCH_URL")
        .stdin(if input.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {name}: {e}"));
    // Written from another thread: a tool may print before it has read everything.
    let writer = input.map(|text| {
        let mut stdin = child.stdin.take().expect("stdin is piped");
        let text = text.to_owned();
        std::thread::spawn(move || stdin.write_all(text.as_bytes()))
    });
    let output = child
        .wait_with_output()
        .unwrap_or_else(|e| panic!("{name} did not finish: {e}"));
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(
        output.status.success(),
        "`{name} {}` failed ({}):\n{stdout}\n{}",
        args.join(" "),
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    if let Some(writer) = writer {
        writer
            .join()
            .expect("the stdin writer panicked")
            .unwrap_or_else(|e| panic!("cannot write to {name}: {e}"));
    }
    stdout
}

/// YAML documents as JSON (`yaml-to-json`: PyYAML, anchors and merge keys resolved).
fn yaml_documents(yaml: &str) -> Vec<Value> {
    let json = run("yaml-to-json", &[], Some(yaml));
    let documents: Value = serde_json::from_str(&json).expect("yaml-to-json prints JSON");
    match documents {
        Value::Array(documents) => documents,
        other => panic!("yaml-to-json printed {other}, not a list of documents"),
    }
}

/// The subgraphs the binary knows, in port-table order: subgraph N listens on 4001 + N.
fn subgraphs() -> Vec<String> {
    let output = Command::new(env!("CARGO_BIN_EXE_micromall"))
        .args(["print-schema", "no-such-subgraph"])
        .output()
        .expect("run micromall");
    let stderr = String::from_utf8_lossy(&output.stderr);
    let known = stderr
        .split("known: ")
        .nth(1)
        .unwrap_or_else(|| panic!("micromall did not list the subgraphs it knows: {stderr}"));
    let names: Vec<String> = known.trim().split(", ").map(str::to_owned).collect();
    assert!(
        names.iter().any(|n| n == "accounts"),
        "unexpected subgraph list: {names:?}"
    );
    names
}

fn subgraph_port(place: usize) -> usize {
    4001 + place
}

// ------------------------------------------------------------------------------ Dockerfile

#[test]
#[cfg_attr(
    not(deploy_tools),
    ignore = "MICROMALL_TEST_TOOLS is unset: run .ci/tools and point it at the directory it prints"
)]
fn dockerfile_passes_hadolint_and_runs_micromall_unprivileged() {
    let findings = run("hadolint", &["Dockerfile"], None);
    assert!(findings.trim().is_empty(), "hadolint:\n{findings}");

    let dockerfile = read("Dockerfile");
    assert!(
        dockerfile.contains("cargo build --release --locked --bin micromall"),
        "the image must be built from Cargo.lock"
    );
    let image = dockerfile
        .rsplit("\nFROM ")
        .next()
        .expect("the Dockerfile has a FROM");
    for (line, why) in [
        (
            "\nUSER 10001:10001",
            "the image must run as its fixed unprivileged user",
        ),
        (
            "\nENTRYPOINT [\"micromall\"]",
            "one image for every role: micromall is the entrypoint",
        ),
        ("\nHEALTHCHECK ", "the image must say how to check it"),
        (
            "COPY --from=build /out/micromall ",
            "the image must carry the binary",
        ),
    ] {
        assert!(
            image.contains(line),
            "{why}: no `{}` in the last stage",
            line.trim()
        );
    }
}

// ------------------------------------------------------------------------ docker-compose.yml

/// The services of docker-compose.yml as docker-compose resolves them (anchors, merges and
/// `${...}` from the environment), after its own validation.
fn compose_services() -> Map<String, Value> {
    run(
        "docker-compose",
        &["-f", "docker-compose.yml", "config", "-q"],
        None,
    );
    let resolved = run(
        "docker-compose",
        &["-f", "docker-compose.yml", "config"],
        None,
    );
    let documents = yaml_documents(&resolved);
    documents
        .first()
        .and_then(|file| file["services"].as_object())
        .cloned()
        .expect("docker-compose config prints the services")
}

fn service<'a>(services: &'a Map<String, Value>, name: &str) -> &'a Value {
    services
        .get(name)
        .unwrap_or_else(|| panic!("docker-compose.yml has no service `{name}`"))
}

fn is_one_shot(service: &Value) -> bool {
    service["restart"] == "no"
}

#[test]
#[cfg_attr(
    not(deploy_tools),
    ignore = "MICROMALL_TEST_TOOLS is unset: run .ci/tools and point it at the directory it prints"
)]
fn compose_starts_every_subgraph_after_its_migration_and_the_router_in_front() {
    let services = compose_services();
    let names = subgraphs();
    let supergraph = service(&services, "supergraph");
    for (place, name) in names.iter().enumerate() {
        let port = subgraph_port(place);
        let subgraph = service(&services, name);
        assert_eq!(
            subgraph["command"],
            json!(["subgraph", name]),
            "{name}'s command"
        );

        let migrate = format!("migrate-{name}");
        let migration = service(&services, &migrate);
        assert_eq!(
            migration["command"],
            json!(["migrate", name]),
            "{migrate}'s command"
        );
        assert!(
            is_one_shot(migration),
            "{migrate} must run once, not restart"
        );
        assert_eq!(
            subgraph["depends_on"][&migrate]["condition"], "service_completed_successfully",
            "{name} must start only once {migrate} has finished"
        );
        let database = format!("postgres://micromall@postgres:5432/{name}");
        for (who, step) in [(name.as_str(), subgraph), (migrate.as_str(), migration)] {
            assert_eq!(
                step["environment"]["DATABASE_URL"],
                database.as_str(),
                "{who}'s database"
            );
        }

        let env = &subgraph["environment"];
        assert_eq!(
            env["MICROMALL_SUBGRAPH_PORT_BASE"], "4001",
            "{name}'s port base"
        );
        assert_eq!(
            env["HEALTHCHECK_PORT"],
            port.to_string(),
            "{name} is checked on its own port"
        );
        // Every subgraph is told where every other one is, at its place in the port table.
        for other in services.values().filter(|s| s["command"][0] == "subgraph") {
            let variable = format!("MICROMALL_{}_URL", name.to_uppercase());
            assert_eq!(
                other["environment"][variable.as_str()],
                format!("http://{name}:{port}").as_str(),
                "{} does not find {name}",
                other["command"][1]
            );
        }
        // The router reaches it through the composed supergraph.
        let spec = format!("{name}=http://{name}:{port}/graphql");
        assert!(
            supergraph["command"]
                .as_array()
                .is_some_and(|c| c.iter().any(|a| *a == spec.as_str())),
            "the supergraph step does not compose {spec}"
        );
        assert_eq!(
            supergraph["depends_on"][name.as_str()]["condition"],
            "service_healthy",
            "the supergraph is composed once {name} answers"
        );
        // Stateless subgraphs run twice; search keeps a local index without Elasticsearch.
        let replicas = if name == "search" { 1 } else { 2 };
        assert_eq!(
            subgraph["deploy"]["replicas"], replicas,
            "{name}'s replicas"
        );
    }

    let router = service(&services, "router");
    assert_eq!(
        router["command"],
        json!(["router", "--supergraph", "/supergraph/supergraph.graphql"])
    );
    assert_eq!(
        router["depends_on"]["supergraph"]["condition"],
        "service_completed_successfully"
    );
    assert!(
        router["ports"]
            .as_array()
            .is_some_and(|ports| ports.iter().any(|p| p["published"] == 4000)),
        "the router must be published on 4000: {}",
        router["ports"]
    );
    assert_eq!(
        service(&services, "payment-sandbox")["command"],
        json!(["sandbox", "payments"])
    );
    assert_eq!(
        service(&services, "carrier-sandbox")["command"],
        json!(["sandbox", "carrier"])
    );

    for (name, definition) in &services {
        if is_one_shot(definition) {
            continue;
        }
        let test = &definition["healthcheck"]["test"];
        assert!(
            test.is_array() && *test != json!(["NONE"]),
            "{name} runs without a health check"
        );
    }
}

#[test]
#[cfg_attr(
    not(deploy_tools),
    ignore = "MICROMALL_TEST_TOOLS is unset: run .ci/tools and point it at the directory it prints"
)]
fn compose_file_holds_no_secret() {
    let text = read("docker-compose.yml");
    assert!(
        !text.contains("PRIVATE KEY"),
        "a key is written in docker-compose.yml"
    );

    let services = compose_services();
    let secrets = service(&services, "secrets");
    assert!(
        is_one_shot(secrets),
        "secrets are made once, by a one-shot service"
    );
    for (name, definition) in &services {
        let Some(env) = definition["environment"].as_object() else {
            continue;
        };
        for (variable, value) in env {
            let value = value.as_str().unwrap_or_default();
            let secret_name = ["SECRET", "PASSWORD", "TOKEN"]
                .iter()
                .any(|word| variable.contains(word))
                && !variable.ends_with("_FILE");
            assert!(
                !secret_name || value.is_empty(),
                "{name}: {variable} has a value written in the file; secrets come from the secrets volume or the user's shell"
            );
            if let Some((_, rest)) = value.split_once("://") {
                let authority = rest.split('/').next().unwrap_or_default();
                let has_password = authority
                    .rsplit_once('@')
                    .is_some_and(|(user_info, _)| user_info.contains(':'));
                assert!(
                    !has_password,
                    "{name}: {variable} carries a password ({value})"
                );
            }
        }
        let is_micromall = definition["image"]
            .as_str()
            .is_some_and(|image| image.contains("micromall"));
        if is_micromall && *name != "secrets" && !is_one_shot(definition) {
            assert_eq!(
                definition["depends_on"]["secrets"]["condition"], "service_completed_successfully",
                "{name} must wait for its secrets"
            );
        }
    }
}

#[test]
fn postgres_init_creates_a_database_per_subgraph() {
    let sql = read("deploy/postgres/init/10-databases.sql");
    for name in subgraphs() {
        assert!(
            sql.contains(&format!("CREATE DATABASE {name};")),
            "deploy/postgres/init/10-databases.sql does not create {name}'s database"
        );
    }
}

// ------------------------------------------------------------------------------ Helm chart

/// How the chart is rendered: as release `shop`, for the Kubernetes version it is validated
/// against.
const TEMPLATE: [&str; 5] = [
    "template",
    "shop",
    "helm/micromall",
    "--kube-version",
    "1.30.0",
];

/// `helm template shop helm/micromall ARGS...`, each object as JSON.
fn rendered(args: &[&str]) -> Vec<Value> {
    let mut command = TEMPLATE.to_vec();
    command.extend_from_slice(args);
    yaml_documents(&run("helm", &command, None))
}

fn objects<'a>(documents: &'a [Value], kind: &str) -> Vec<&'a Value> {
    documents.iter().filter(|d| d["kind"] == kind).collect()
}

fn component(object: &Value) -> &str {
    object["metadata"]["labels"]["app.kubernetes.io/component"]
        .as_str()
        .unwrap_or_default()
}

fn env_names(container: &Value) -> Vec<&str> {
    container["env"]
        .as_array()
        .map(|env| env.iter().filter_map(|e| e["name"].as_str()).collect())
        .unwrap_or_default()
}

#[test]
#[cfg_attr(
    not(deploy_tools),
    ignore = "MICROMALL_TEST_TOOLS is unset: run .ci/tools and point it at the directory it prints"
)]
fn helm_chart_lints_and_renders_valid_kubernetes_1_30_objects() {
    for values in [None, Some(PRODUCTION)] {
        let with_values: Vec<&str> = values.map(|file| vec!["-f", file]).unwrap_or_default();
        let mut lint = vec!["lint", "--strict", "helm/micromall"];
        lint.extend_from_slice(&with_values);
        run("helm", &lint, None);

        let mut template = TEMPLATE.to_vec();
        template.extend_from_slice(&with_values);
        let manifests = run("helm", &template, None);
        let report = run(
            "kubernetes-validate",
            &["--kubernetes-version", "1.30.0", "--strict", "--quiet", "-"],
            Some(manifests.as_str()),
        );
        assert!(
            report.trim().is_empty(),
            "kubernetes-validate, values {}:\n{report}",
            values.unwrap_or("values.yaml")
        );
    }
}

#[test]
#[cfg_attr(
    not(deploy_tools),
    ignore = "MICROMALL_TEST_TOOLS is unset: run .ci/tools and point it at the directory it prints"
)]
fn every_deployment_has_probes_resources_time_to_drain_and_its_migration() {
    let names = subgraphs();
    for values in [&[][..], &["-f", PRODUCTION][..]] {
        let documents = rendered(values);
        let deployments = objects(&documents, "Deployment");
        let budgets = objects(&documents, "PodDisruptionBudget");
        let services = objects(&documents, "Service");
        let jobs = objects(&documents, "Job");
        for name in names.iter().map(String::as_str).chain(["router"]) {
            assert!(
                deployments.iter().any(|d| component(d) == name),
                "no Deployment for {name} (values {values:?})"
            );
        }
        for deployment in &deployments {
            let name = component(deployment);
            let pod = &deployment["spec"]["template"]["spec"];
            let container = &pod["containers"][0];
            for probe in ["startupProbe", "livenessProbe", "readinessProbe"] {
                assert!(container[probe].is_object(), "{name} has no {probe}");
            }
            for (bound, resource) in [
                ("requests", "cpu"),
                ("requests", "memory"),
                ("limits", "memory"),
            ] {
                assert!(
                    container["resources"][bound][resource].is_string(),
                    "{name} has no resources.{bound}.{resource}"
                );
            }
            let grace = pod["terminationGracePeriodSeconds"]
                .as_u64()
                .unwrap_or_else(|| panic!("{name} has no terminationGracePeriodSeconds"));
            let pause = container["lifecycle"]["preStop"]["sleep"]["seconds"]
                .as_u64()
                .unwrap_or_else(|| panic!("{name} has no preStop pause"));
            assert!(
                grace >= pause + 30,
                "{name} gets {grace}s to stop: less than its preStop pause ({pause}s) plus the 30s a request may take (the router's subgraph timeout)"
            );
            assert!(
                pod["topologySpreadConstraints"]
                    .as_array()
                    .is_some_and(|c| !c.is_empty()),
                "{name} is not spread over zones and nodes"
            );
            let selector = &deployment["spec"]["selector"]["matchLabels"];
            assert!(
                budgets
                    .iter()
                    .any(|b| b["spec"]["selector"]["matchLabels"] == *selector),
                "{name} has no PodDisruptionBudget"
            );
            // Only accounts signs tokens; with a key pair, only it may read the private key.
            if !values.is_empty() {
                assert_eq!(
                    env_names(container).contains(&"MICROMALL_JWT_PRIVATE_KEY_FILE"),
                    name == "accounts",
                    "{name} and the JWT signing key (production values)"
                );
            }
        }

        for (place, name) in names.iter().enumerate() {
            let deployment = deployments
                .iter()
                .find(|d| component(d) == name)
                .expect("checked above");
            let container = &deployment["spec"]["template"]["spec"]["containers"][0];
            assert_eq!(
                container["args"],
                json!(["subgraph", name]),
                "{name}'s arguments"
            );
            assert_eq!(
                container["livenessProbe"]["httpGet"]["path"], "/health",
                "{name}'s liveness"
            );
            assert_eq!(
                container["readinessProbe"]["httpGet"]["path"], "/health/ready",
                "{name}'s readiness"
            );
            assert!(
                env_names(container).contains(&"DATABASE_URL"),
                "{name} is given no database"
            );
            let service = services
                .iter()
                .find(|s| component(s) == name)
                .unwrap_or_else(|| panic!("no Service for {name}"));
            let port = |port_name: &str| {
                service["spec"]["ports"]
                    .as_array()
                    .and_then(|ports| ports.iter().find(|p| p["name"] == port_name))
                    .and_then(|p| p["port"].as_u64())
                    .unwrap_or_else(|| panic!("{name}'s Service has no `{port_name}` port"))
            };
            assert_eq!(port("http"), subgraph_port(place) as u64, "{name}'s port");
            assert_ne!(port("internal"), port("http"), "{name}'s internal port");

            let job = jobs
                .iter()
                .find(|j| {
                    j["spec"]["template"]["spec"]["containers"][0]["args"]
                        == json!(["migrate", name])
                })
                .unwrap_or_else(|| panic!("no migration Job for {name}"));
            assert_eq!(
                job["metadata"]["annotations"]["helm.sh/hook"], "pre-install,pre-upgrade",
                "{name}'s migrations must run before its new pods"
            );
        }
    }
}

/// The router's supergraph checksum annotation and the supergraph its ConfigMap holds.
fn router_supergraph(documents: &[Value]) -> (String, String) {
    let router = objects(documents, "Deployment")
        .into_iter()
        .find(|d| component(d) == "router")
        .expect("a router Deployment");
    let checksum = router["spec"]["template"]["metadata"]["annotations"]["checksum/supergraph"]
        .as_str()
        .expect("the router's pod template carries checksum/supergraph")
        .to_owned();
    let sdl = objects(documents, "ConfigMap")
        .into_iter()
        .find_map(|c| c["data"]["supergraph.graphql"].as_str())
        .expect("a ConfigMap with supergraph.graphql")
        .to_owned();
    (checksum, sdl)
}

#[test]
#[cfg_attr(
    not(deploy_tools),
    ignore = "MICROMALL_TEST_TOOLS is unset: run .ci/tools and point it at the directory it prints"
)]
fn router_pods_roll_when_the_supergraph_changes() {
    let (checksum, sdl) = router_supergraph(&rendered(&[]));
    for (place, name) in subgraphs().iter().enumerate() {
        let url = format!(
            "url: \"http://shop-micromall-{name}:{}/graphql\"",
            subgraph_port(place)
        );
        assert!(
            sdl.contains(&url),
            "the router's supergraph does not send {name} to its Service ({url})"
        );
    }
    assert!(
        !sdl.contains("127.0.0.1"),
        "the router's supergraph still names embedded-mode addresses"
    );

    let (same, _) = router_supergraph(&rendered(&[]));
    assert_eq!(
        checksum, same,
        "an unchanged supergraph must not roll the router"
    );

    let file = std::env::temp_dir().join(format!(
        "micromall-supergraph-{}.graphql",
        uuid::Uuid::now_v7()
    ));
    std::fs::write(&file, format!("{sdl}\n# the next version\n")).expect("write a supergraph");
    let set_file = format!("router.supergraph={}", file.display());
    let changed = rendered(&["--set-file", &set_file]);
    std::fs::remove_file(&file).ok();
    let (new_checksum, new_sdl) = router_supergraph(&changed);
    assert!(
        new_sdl.ends_with("# the next version"),
        "the ConfigMap does not hold the new supergraph"
    );
    assert_ne!(
        checksum, new_checksum,
        "the router's pod template is unchanged when the supergraph changes: its pods would keep serving the old one"
    );
}

#[test]
#[cfg_attr(
    not(deploy_tools),
    ignore = "MICROMALL_TEST_TOOLS is unset: run .ci/tools and point it at the directory it prints"
)]
fn from_outside_only_the_router_and_the_webhooks_are_reachable() {
    let documents = rendered(&[
        "--set",
        "ingress.enabled=true",
        "--set",
        "ingress.host=shop.example.com",
    ]);
    let release_pods =
        json!({ "app.kubernetes.io/name": "micromall", "app.kubernetes.io/instance": "shop" });
    for policy in objects(&documents, "NetworkPolicy") {
        let name = component(policy);
        for rule in policy["spec"]["ingress"].as_array().expect("ingress rules") {
            let ports: Vec<&str> = rule["ports"]
                .as_array()
                .map(|ports| ports.iter().filter_map(|p| p["port"].as_str()).collect())
                .unwrap_or_default();
            let only_release = rule["from"].as_array().is_some_and(|from| {
                from.iter()
                    .all(|peer| peer["podSelector"]["matchLabels"] == release_pods)
            });
            if ports.contains(&"internal") {
                assert!(
                    only_release,
                    "{name}'s internal port is open beyond Micromall's pods"
                );
            }
            if !only_release {
                let public = name == "router"
                    || (["payments", "shipping"].contains(&name) && ports == ["http"]);
                assert!(
                    public,
                    "{name} is reachable from outside the release: {rule}"
                );
            }
        }
    }

    let ingress = objects(&documents, "Ingress");
    let paths = ingress
        .first()
        .and_then(|i| i["spec"]["rules"][0]["http"]["paths"].as_array())
        .expect("an Ingress with paths");
    let route = |path: &str| {
        paths
            .iter()
            .find(|p| p["path"] == path)
            .and_then(|p| p["backend"]["service"]["name"].as_str())
            .unwrap_or_else(|| panic!("the Ingress has no path {path}"))
    };
    assert_eq!(route("/graphql"), "shop-micromall-router");
    assert_eq!(route("/webhooks/payments/"), "shop-micromall-payments");
    assert_eq!(route("/webhooks/carriers/"), "shop-micromall-shipping");
    assert_eq!(
        paths.len(),
        3,
        "the Ingress exposes more than the router and the webhooks"
    );
}

#[test]
fn the_chart_serves_the_composed_supergraph_and_knows_every_subgraph() {
    // A link, not a copy, so the chart cannot fall behind the composed schema.
    let link = std::fs::read_link(repo().join("helm/micromall/files/supergraph.graphql"))
        .expect("helm/micromall/files/supergraph.graphql is a symbolic link");
    assert_eq!(link, Path::new("../../../schema/supergraph.graphql"));
    assert!(read("helm/micromall/files/supergraph.graphql") == read("schema/supergraph.graphql"));
    let table = subgraphs().join(" ");
    assert!(
        read("helm/micromall/templates/_helpers.tpl").contains(&format!("\n{table}\n")),
        "the chart's port table (micromall.portTable in _helpers.tpl) is not the binary's: {table}"
    );
}

// ------------------------------------------------------------------------------ workflows

#[test]
#[cfg_attr(
    not(deploy_tools),
    ignore = "MICROMALL_TEST_TOOLS is unset: run .ci/tools and point it at the directory it prints"
)]
fn workflows_pass_actionlint_and_release_deploys_atomically() {
    let findings = run(
        "actionlint",
        &[".github/workflows/ci.yml", ".github/workflows/release.yml"],
        None,
    );
    assert!(findings.trim().is_empty(), "actionlint:\n{findings}");

    let ci = read(".github/workflows/ci.yml");
    assert!(
        ci.contains("bash .ci/run"),
        "CI must run .ci/run, what \"tested\" means here"
    );
    let release = read(".github/workflows/release.yml");
    for needle in [
        "uses: ./.github/workflows/ci.yml",
        "docker/build-push-action",
        "helm package",
        "helm upgrade --install",
        "--atomic --wait",
    ] {
        assert!(release.contains(needle), "release.yml has no `{needle}`");
    }
}
