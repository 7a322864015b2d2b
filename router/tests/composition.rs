//! Composition vectors: composing each audit suite's subgraphs gives a supergraph equivalent
//! to the reference one (same types, fields, join directives and arguments; order and
//! descriptions aside), and the result loads and plans like the reference.

use std::collections::BTreeMap;
use std::path::PathBuf;

use apollo_compiler::Schema;
use apollo_compiler::schema::ExtendedType;
use micromall_router::compose::{SubgraphSdl, compose};

fn audit_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/federation-audit")
}

/// A comparable description of a supergraph: one line per element, sorted.
fn fingerprint(sdl: &str) -> BTreeMap<String, Vec<String>> {
    let schema = Schema::parse(sdl, "s.graphql").unwrap_or_else(|e| e.partial);
    let mut out = BTreeMap::new();
    let directive = |d: &apollo_compiler::ast::Directive| {
        let mut args: Vec<String> = d
            .arguments
            .iter()
            .map(|a| {
                let value = match a.value.as_str() {
                    // Field sets compare by content, whatever their layout.
                    Some(text) if matches!(a.name.as_str(), "requires" | "provides" | "key") => {
                        text.split_whitespace().collect::<Vec<_>>().join(" ")
                    }
                    _ => a.value.to_string(),
                };
                format!("{}={}", a.name, value)
            })
            // Arguments spelled out at their default value say nothing.
            .filter(|a| {
                !matches!(
                    a.as_str(),
                    "resolvable=true" | "extension=false" | "isInterfaceObject=false"
                )
            })
            .collect();
        args.sort();
        format!("@{}({})", d.name, args.join(","))
    };
    for (name, ty) in &schema.types {
        if ty.is_built_in() {
            continue;
        }
        let mut lines: Vec<String> = ty.directives().iter().map(|d| directive(d)).collect();
        match ty {
            ExtendedType::Object(o) => {
                lines.extend(
                    o.implements_interfaces
                        .iter()
                        .map(|i| format!("implements {}", i.name)),
                );
                for (f, def) in &o.fields {
                    let mut ds: Vec<String> = def.directives.iter().map(|d| directive(d)).collect();
                    ds.sort();
                    let mut args: Vec<String> = def
                        .arguments
                        .iter()
                        .map(|a| format!("{}:{}", a.name, a.ty))
                        .collect();
                    args.sort();
                    lines.push(format!(
                        "field {f}({}): {} {}",
                        args.join(","),
                        def.ty,
                        ds.join(" ")
                    ));
                }
            }
            ExtendedType::Interface(i) => {
                lines.extend(
                    i.implements_interfaces
                        .iter()
                        .map(|i| format!("implements {}", i.name)),
                );
                for (f, def) in &i.fields {
                    let mut ds: Vec<String> = def.directives.iter().map(|d| directive(d)).collect();
                    ds.sort();
                    lines.push(format!("field {f}: {} {}", def.ty, ds.join(" ")));
                }
            }
            ExtendedType::Union(u) => {
                lines.extend(u.members.iter().map(|m| format!("member {}", m.name)))
            }
            ExtendedType::Enum(e) => {
                for (v, def) in &e.values {
                    let mut ds: Vec<String> = def.directives.iter().map(|d| directive(d)).collect();
                    ds.sort();
                    lines.push(format!("value {v} {}", ds.join(" ")));
                }
            }
            ExtendedType::InputObject(i) => {
                for (f, def) in &i.fields {
                    let mut ds: Vec<String> = def.directives.iter().map(|d| directive(d)).collect();
                    ds.sort();
                    lines.push(format!("input {f}: {} {}", def.ty, ds.join(" ")));
                }
            }
            ExtendedType::Scalar(_) => {}
        }
        lines.sort();
        out.insert(format!("{} {name}", kind(ty)), lines);
    }
    out
}

fn kind(ty: &ExtendedType) -> &'static str {
    match ty {
        ExtendedType::Object(_) => "type",
        ExtendedType::Interface(_) => "interface",
        ExtendedType::Union(_) => "union",
        ExtendedType::Enum(_) => "enum",
        ExtendedType::InputObject(_) => "input",
        ExtendedType::Scalar(_) => "scalar",
    }
}

/// The differences between two supergraphs, empty when equivalent.
fn differences(expected: &str, actual: &str) -> Vec<String> {
    let (e, a) = (fingerprint(expected), fingerprint(actual));
    let mut diffs = Vec::new();
    for (name, lines) in &e {
        match a.get(name) {
            None => diffs.push(format!("missing {name}")),
            Some(actual) if actual != lines => {
                for l in lines.iter().filter(|l| !actual.contains(l)) {
                    diffs.push(format!("{name}: expected {l}"));
                }
                for l in actual.iter().filter(|l| !lines.contains(l)) {
                    diffs.push(format!("{name}: unexpected {l}"));
                }
            }
            _ => {}
        }
    }
    for name in a.keys().filter(|n| !e.contains_key(*n)) {
        diffs.push(format!("extra {name}"));
    }
    diffs
}

/// The first audit case whose plan differs between the two supergraphs.
fn first_plan_difference(suite: &str, expected: &str, actual: &str) -> Option<usize> {
    use micromall_router::pipeline::{limits::Limits, prepare};
    let tests: Vec<serde_json::Value> = serde_json::from_str(
        &std::fs::read_to_string(audit_dir().join(format!("{suite}.tests.json"))).unwrap(),
    )
    .unwrap();
    let (reference, composed) = (
        micromall_router::Supergraph::parse(expected).unwrap(),
        micromall_router::Supergraph::parse(actual).unwrap(),
    );
    let render = |sg: &micromall_router::Supergraph, query: &str| match prepare(
        sg,
        query,
        None,
        Default::default(),
        &Limits::default(),
    ) {
        Ok(p) => micromall_router::planner::plan(sg, &p.operation)
            .map(|p| p.display())
            .map_err(|e| e.to_string()),
        Err(e) => Err(e.message),
    };
    tests.iter().position(|t| {
        let query = t["query"].as_str().unwrap();
        render(&reference, query) != render(&composed, query)
    })
}

#[test]
#[cfg_attr(
    not(audit_data),
    ignore = "needs the Federation audit data in ../shared/federation-audit (graphql-hive/federation-gateway-audit)"
)]
fn every_audit_suite_composes_to_its_reference_supergraph() {
    let mut failures = Vec::new();
    let mut suites: Vec<_> = std::fs::read_dir(audit_dir())
        .expect("audit data beside the checkout")
        .filter_map(|e| {
            e.ok()?
                .file_name()
                .into_string()
                .ok()?
                .strip_suffix(".subgraphs.json")
                .map(str::to_owned)
        })
        .collect();
    suites.sort();
    assert_eq!(suites.len(), 46);
    for suite in &suites {
        let dir = audit_dir();
        let subgraphs: Vec<SubgraphSdl> = serde_json::from_str(
            &std::fs::read_to_string(dir.join(format!("{suite}.subgraphs.json"))).unwrap(),
        )
        .unwrap();
        let expected =
            std::fs::read_to_string(dir.join(format!("{suite}.supergraph.graphql"))).unwrap();
        match compose(&subgraphs) {
            Err(errors) => failures.push(format!("{suite}: composition failed: {errors:?}")),
            Ok(actual) => {
                if let Err(e) = micromall_router::Supergraph::parse(&actual) {
                    failures.push(format!("{suite}: composed supergraph does not load: {e}"));
                    continue;
                }
                let diffs = differences(&expected, &actual);
                if !diffs.is_empty() {
                    failures.push(format!("{suite}:\n  {}", diffs.join("\n  ")));
                    continue;
                }
                if let Some(case) = first_plan_difference(suite, &expected, &actual) {
                    failures.push(format!(
                        "{suite}: case {case} plans differently on the composed supergraph"
                    ));
                }
            }
        }
    }
    let passed = suites.len() - failures.len();
    assert!(
        failures.is_empty(),
        "{passed}/{} suites compose as the reference:\n{}",
        suites.len(),
        failures.join("\n")
    );
}

fn subgraph(name: &str, sdl: &str) -> SubgraphSdl {
    SubgraphSdl {
        name: name.into(),
        url: format!("http://{name}.internal/graphql"),
        sdl: sdl.into(),
    }
}

const LINK: &str = r#"extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key", "@shareable", "@external", "@requires"])"#;

fn codes(
    result: Result<String, Vec<micromall_router::compose::CompositionError>>,
) -> Vec<&'static str> {
    result
        .expect_err("composition must fail")
        .iter()
        .map(|e| e.code)
        .collect()
}

#[test]
fn mismatched_field_types_are_refused() {
    let a = subgraph(
        "a",
        &format!(
            "{LINK} type Query {{ p: P }} type P @key(fields: \"id\") {{ id: ID! price: Int @shareable }}"
        ),
    );
    let b = subgraph(
        "b",
        &format!("{LINK} type P @key(fields: \"id\") {{ id: ID! price: String @shareable }}"),
    );
    assert_eq!(codes(compose(&[a, b])), ["FIELD_TYPE_MISMATCH"]);
}

#[test]
fn a_field_resolved_twice_must_be_shareable() {
    let a = subgraph(
        "a",
        &format!(
            "{LINK} type Query {{ p: P }} type P @key(fields: \"id\") {{ id: ID! name: String }}"
        ),
    );
    let b = subgraph(
        "b",
        &format!("{LINK} type P @key(fields: \"id\") {{ id: ID! name: String }}"),
    );
    let errors = compose(&[a, b]).expect_err("unshareable");
    assert_eq!(errors[0].code, "INVALID_FIELD_SHARING");
    assert!(
        errors[0].message.contains("P.name"),
        "{}",
        errors[0].message
    );
}

#[test]
fn requires_of_a_field_nobody_resolves_is_refused() {
    let a = subgraph(
        "a",
        &format!("{LINK} type Query {{ p: P }} type P @key(fields: \"id\") {{ id: ID! }}"),
    );
    let b = subgraph(
        "b",
        &format!(
            "{LINK} type P @key(fields: \"id\") {{ id: ID! weight: Int @external shipping: Int @requires(fields: \"weight\") }}"
        ),
    );
    assert_eq!(codes(compose(&[a, b])), ["REQUIRES_UNRESOLVABLE"]);
}

#[test]
fn unparsable_subgraphs_are_named() {
    let errors = compose(&[subgraph("broken", "type Query {")]).expect_err("parse error");
    assert_eq!(errors[0].code, "INVALID_GRAPHQL");
    assert!(errors[0].message.contains("broken"));
}
