//! The checked-in schema (`schema/subgraphs/*.graphql`, `schema/supergraph.graphql`) is what
//! the code publishes and composes. Regenerate it with:
//!     cargo run -- compose --micromall --write-schema-dir schema

use std::path::Path;
use std::process::Command;

fn micromall(args: &[&str]) -> String {
    let output = Command::new(env!("CARGO_BIN_EXE_micromall"))
        .args(args)
        // The checked-in supergraph uses the default embedded addresses.
        .env_remove("MICROMALL_SUBGRAPH_PORT_BASE")
        .env_remove("MICROMALL_SUBGRAPH_HOST")
        .output()
        .expect("run micromall");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).expect("utf-8")
}

const HOW: &str = "regenerate with `cargo run -- compose --micromall --write-schema-dir schema`";

#[test]
fn subgraph_schemas_are_fresh() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("schema/subgraphs");
    let mut checked = 0;
    for entry in std::fs::read_dir(&dir).expect("schema/subgraphs exists") {
        let path = entry.unwrap().path();
        let name = path.file_stem().unwrap().to_str().unwrap().to_owned();
        let published = micromall(&["print-schema", &name]);
        let stored = std::fs::read_to_string(&path).unwrap();
        assert!(
            published == stored,
            "schema/subgraphs/{name}.graphql is stale: {HOW}"
        );
        checked += 1;
    }
    assert!(checked >= 1);
}

#[test]
fn supergraph_is_fresh_and_loads() {
    let composed = micromall(&["compose", "--micromall"]);
    let stored = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("schema/supergraph.graphql"),
    )
    .unwrap();
    assert!(
        composed == stored,
        "schema/supergraph.graphql is stale: {HOW}"
    );
    let plan = micromall(&[
        "router",
        "plan",
        "--supergraph",
        "schema/supergraph.graphql",
        "{ categories { slug } }",
    ]);
    assert!(plan.contains("Fetch(service: \"catalog\")"), "{plan}");
}
