// Shared by the build scripts of every crate with tests that need a real server (each
// `build.rs` includes this file). A test for PostgreSQL, Redis or NATS carries
// `#[cfg_attr(not(postgres_tests), ignore = "…")]` (and so on): when its variable is unset it
// is reported as ignored, i.e. skipped, never as passed; `.ci/run` fails on any.

fn main() {
    for (cfg, variable) in [
        ("postgres_tests", "MICROMALL_TEST_POSTGRES_URL"),
        ("redis_tests", "MICROMALL_TEST_REDIS_URL"),
        ("nats_tests", "MICROMALL_TEST_NATS_URL"),
        // Not a server: the directory `.ci/tools` installs the deployment linters into. Only
        // the root crate's tests use them; elsewhere the variable must not force rebuilds.
        ("deploy_tools", "MICROMALL_TEST_TOOLS"),
    ] {
        if cfg == "deploy_tools" && std::env::var("CARGO_PKG_NAME").as_deref() != Ok("micromall") {
            continue;
        }
        println!("cargo::rustc-check-cfg=cfg({cfg})");
        println!("cargo::rerun-if-env-changed={variable}");
        if std::env::var_os(variable).is_some_and(|v| !v.is_empty()) {
            println!("cargo::rustc-cfg={cfg}");
        }
    }
}
