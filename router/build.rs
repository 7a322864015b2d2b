//! Fetches GraphiQL and React from the npm registry at build time, so the router serves the
//! IDE itself and the page needs no internet. Nothing is vendored into the repository.
//! Offline builds can point MICROMALL_GRAPHIQL_DIR at a folder holding the five files.

use std::path::{Path, PathBuf};
use std::process::Command;

/// (file in the package tarball, name served).
type Files = &'static [(&'static str, &'static str)];

/// (package, version, files).
const PACKAGES: [(&str, &str, Files); 3] = [
    (
        "graphiql",
        "3.9.0",
        &[
            ("package/graphiql.min.js", "graphiql.min.js"),
            ("package/graphiql.min.css", "graphiql.min.css"),
        ],
    ),
    (
        "react",
        "18.3.1",
        &[("package/umd/react.production.min.js", "react.min.js")],
    ),
    (
        "react-dom",
        "18.3.1",
        &[(
            "package/umd/react-dom.production.min.js",
            "react-dom.min.js",
        )],
    ),
];

fn main() {
    audit_data();
    println!("cargo::rustc-check-cfg=cfg(graphiql_assets)");
    println!("cargo::rerun-if-changed=build.rs");
    println!("cargo::rerun-if-env-changed=MICROMALL_GRAPHIQL_DIR");
    let out = PathBuf::from(std::env::var("OUT_DIR").expect("OUT_DIR")).join("graphiql");
    let _ = std::fs::create_dir_all(&out);
    let wanted: Vec<&str> = PACKAGES
        .iter()
        .flat_map(|(_, _, files)| files.iter().map(|(_, name)| *name))
        .collect();
    if let Ok(dir) = std::env::var("MICROMALL_GRAPHIQL_DIR") {
        for name in &wanted {
            let _ = std::fs::copy(Path::new(&dir).join(name), out.join(name));
        }
    }
    let complete = |out: &Path| wanted.iter().all(|name| out.join(name).is_file());
    let fetched = if complete(&out) { Ok(()) } else { fetch(&out) };
    if let Err(err) = fetched {
        println!(
            "cargo::warning=GraphiQL assets unavailable ({err}); GET /graphql will explain how to get them"
        );
    }
    if complete(&out) {
        println!("cargo::rustc-cfg=graphiql_assets");
    }
}

fn fetch(out: &Path) -> Result<(), String> {
    let work = out.join("download");
    let _ = std::fs::create_dir_all(&work);
    for (package, version, files) in PACKAGES {
        let spec = format!("{package}@{version}");
        let packed = Command::new("npm")
            .args(["pack", &spec, "--silent", "--pack-destination"])
            .arg(&work)
            .output()
            .map_err(|e| format!("cannot run npm: {e}"))?;
        if !packed.status.success() {
            return Err(format!("npm pack {spec} failed"));
        }
        let tarball = work.join(format!("{package}-{version}.tgz"));
        for (inner, name) in files {
            let extracted = Command::new("tar")
                .arg("xzf")
                .arg(&tarball)
                .arg("-C")
                .arg(&work)
                .arg(inner)
                .status()
                .map_err(|e| format!("cannot run tar: {e}"))?;
            if !extracted.success() {
                return Err(format!("{inner} missing from {spec}"));
            }
            std::fs::rename(work.join(inner), out.join(name)).map_err(|e| e.to_string())?;
        }
    }
    let _ = std::fs::remove_dir_all(&work);
    Ok(())
}

/// The Federation audit's schemas and cases sit in `../shared/federation-audit` beside a
/// checkout made in the project's folder layout, not in the repository. Tests that read them
/// carry `#[cfg_attr(not(audit_data), ignore = …)]`: in a bare clone they are reported as
/// skipped (`.ci/run` fails on any skipped test).
fn audit_data() {
    println!("cargo::rustc-check-cfg=cfg(audit_data)");
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/federation-audit");
    println!("cargo::rerun-if-changed={}", dir.display());
    if dir.is_dir() {
        println!("cargo::rustc-cfg=audit_data");
    }
}
