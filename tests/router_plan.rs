//! `micromall router plan` shows what a request would run: the request passes the stages a
//! served one does (authentication, validation, variables, limits, authorization,
//! planning, cost), then the plan, the fields left out and the estimated cost are printed.

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::process::Command;

use micromall_kit::auth::Keys;
use micromall_kit::config::Settings;

/// A data directory of its own, so the keys the plan printer verifies tokens with are the
/// ones a test signs with.
struct DataDir(PathBuf);

impl DataDir {
    fn new() -> Self {
        Self(std::env::temp_dir().join(format!("micromall-plan-{}", uuid::Uuid::now_v7().simple())))
    }

    /// An access token for a customer, signed with this data directory's key.
    fn customer_token(&self) -> String {
        let settings = Settings::load_from(
            None,
            [(
                "MICROMALL_DATA_DIR".to_owned(),
                self.0.display().to_string(),
            )],
        )
        .expect("settings");
        let keys = Keys::load(&settings, true).expect("keys");
        let issuer = keys.issuer(&settings).expect("issuer");
        issuer
            .issue(uuid::Uuid::now_v7(), &BTreeSet::new())
            .expect("token")
            .token
    }

    /// Runs `micromall router plan` on the checked-in supergraph; returns whether it
    /// succeeded, what it printed and what it complained of.
    fn plan(&self, args: &[&str]) -> (bool, String, String) {
        let output = Command::new(env!("CARGO_BIN_EXE_micromall"))
            .args([
                "router",
                "plan",
                "--supergraph",
                "schema/supergraph.graphql",
            ])
            .args(args)
            .env("MICROMALL_DATA_DIR", &self.0)
            .env_remove("MICROMALL_TOKEN")
            .output()
            .expect("run micromall");
        (
            output.status.success(),
            String::from_utf8_lossy(&output.stdout).into_owned(),
            String::from_utf8_lossy(&output.stderr).into_owned(),
        )
    }
}

impl Drop for DataDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

#[test]
fn without_a_token_a_field_for_signed_in_callers_is_refused_as_a_request_would_be() {
    let dir = DataDir::new();
    let (ok, out, err) = dir.plan(&["{ me { id } }"]);
    assert!(ok, "{err}");
    assert!(
        out.contains("UNAUTHENTICATED at me: sign in to see this field"),
        "{out}"
    );
    assert!(
        !out.contains("Fetch("),
        "`me` is left out of the plan: {out}"
    );
}

#[test]
fn with_a_token_the_plan_fetches_what_the_caller_may_see() {
    let dir = DataDir::new();
    let token = dir.customer_token();
    let (ok, out, err) = dir.plan(&["--token", &token, "{ me { id } }"]);
    assert!(ok, "{err}");
    assert!(out.contains("Fetch(service: \"accounts\")"), "{out}");
    assert!(!out.contains("UNAUTHENTICATED"), "{out}");

    let (ok, _, err) = dir.plan(&["--token", "not-a-token", "{ me { id } }"]);
    assert!(!ok, "a bad token is refused");
    assert!(err.contains("UNAUTHENTICATED"), "{err}");
}

#[test]
fn an_ordinary_query_shows_its_fetch_and_estimated_cost() {
    let dir = DataDir::new();
    let (ok, out, err) = dir.plan(&["{ categories { slug } }"]);
    assert!(ok, "{err}");
    assert!(out.contains("Fetch(service: \"catalog\")"), "{out}");
    assert!(out.contains("Estimated cost: "), "{out}");
}

#[test]
fn variables_size_the_estimate_and_bad_ones_are_refused() {
    let dir = DataDir::new();
    let query = "query($n: Int) { products(first: $n) { nodes { name } } }";
    let cost_with = |variables: &str| {
        let (ok, out, err) = dir.plan(&["--variables", variables, query]);
        assert!(ok, "{err}");
        out.lines()
            .find_map(|line| line.strip_prefix("Estimated cost: "))
            .and_then(|cost| cost.parse::<f64>().ok())
            .unwrap_or_else(|| panic!("a cost in {out}"))
    };
    assert!(cost_with(r#"{"n": 100}"#) > cost_with(r#"{"n": 2}"#));

    let (ok, _, err) = dir.plan(&["--variables", r#"{"n": "ten"}"#, query]);
    assert!(!ok);
    assert!(err.contains("BAD_USER_INPUT"), "{err}");
}

#[test]
fn a_refused_request_prints_its_code_and_exits_non_zero() {
    let dir = DataDir::new();
    let (ok, out, err) = dir.plan(&["{ me { shoeSize } }"]);
    assert!(!ok);
    assert!(out.is_empty(), "{out}");
    assert!(err.contains("GRAPHQL_VALIDATION_FAILED: "), "{err}");
}
