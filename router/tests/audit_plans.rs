//! Plan snapshots for every Federation gateway audit case (`../shared/federation-audit/`):
//! the planner's output for each supergraph and query, reviewed once and then held still.
//! Cases the audit expects to fail must fail to plan or validate here too when they are
//! planning errors; the snapshot records what happens either way.

use std::path::PathBuf;

use micromall_router::Supergraph;
use micromall_router::pipeline::limits::Limits;
use micromall_router::pipeline::prepare;
use micromall_router::planner::plan;

fn audit_dir() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/federation-audit");
    assert!(
        dir.is_dir(),
        "the audit data is expected at {} (shared/ beside the checkout)",
        dir.display()
    );
    dir
}

fn suites() -> Vec<String> {
    let mut suites: Vec<String> = std::fs::read_dir(audit_dir())
        .expect("read audit dir")
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter_map(|name| name.strip_suffix(".tests.json").map(str::to_owned))
        .collect();
    suites.sort();
    suites
}

fn plans_of(suite: &str) -> String {
    let dir = audit_dir();
    let sdl = std::fs::read_to_string(dir.join(format!("{suite}.supergraph.graphql"))).unwrap();
    let supergraph = Supergraph::parse(&sdl).unwrap_or_else(|e| panic!("{suite}: {e}"));
    let tests: Vec<serde_json::Value> = serde_json::from_str(
        &std::fs::read_to_string(dir.join(format!("{suite}.tests.json"))).unwrap(),
    )
    .unwrap();
    let mut out = String::new();
    for (i, test) in tests.iter().enumerate() {
        let query = test["query"].as_str().unwrap();
        out.push_str(&format!("# case {i}\n"));
        match prepare(
            &supergraph,
            query,
            None,
            Default::default(),
            &Limits::default(),
        ) {
            Err(err) => out.push_str(&format!("request error {}: {}\n", err.code, err.message)),
            Ok(prepared) => match plan(&supergraph, &prepared.operation) {
                Ok(plan) => out.push_str(&plan.display()),
                Err(err) => out.push_str(&format!("plan error: {err}\n")),
            },
        }
        out.push('\n');
    }
    out
}

#[test]
#[cfg_attr(
    not(audit_data),
    ignore = "needs the Federation audit data in ../shared/federation-audit (graphql-hive/federation-gateway-audit)"
)]
fn every_audit_supergraph_loads_and_every_case_plans_as_reviewed() {
    let suites = suites();
    assert_eq!(suites.len(), 46, "the audit has 46 suites");
    for suite in suites {
        insta::assert_snapshot!(suite.clone(), plans_of(&suite));
    }
}
