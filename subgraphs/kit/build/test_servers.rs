// Shared by the build scripts of every crate with tests that need a real server (each
// `build.rs` includes this file). A test for PostgreSQL, Redis or NATS carries
// `#[cfg_attr(not(postgres_tests), ignore = "…")]` (and so on): when its variable is unset it
// is reported as ignored, i.e. skipped, never as passed; `.ci/run` fails on any.

fn main() {
    for (cfg, variable) in [
        ("postgres_tests", "MICROMALL_TEST_POSTGRES_URL"),
        ("redis_tests", "MICROMALL_TEST_REDIS_URL"),
        ("nats_tests", "MICROMALL_TEST_NATS_URL"),
    ] {
        println!("cargo::rustc-check-cfg=cfg({cfg})");
        println!("cargo::rerun-if-env-changed={variable}");
        if std::env::var_os(variable).is_some_and(|v| !v.is_empty()) {
            println!("cargo::rustc-cfg={cfg}");
        }
    }
}
