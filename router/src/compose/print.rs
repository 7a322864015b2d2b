//! Writing the supergraph SDL.

use std::fmt::Write as _;

use apollo_compiler::Name;

use super::merge::{JoinField, MType, Merged};
use super::subgraph::{Kind, ParsedSubgraph, is_auth_directive, is_demand_directive};

const JOIN_DEFINITIONS: &str = r#"directive @join__enumValue(graph: join__Graph!) repeatable on ENUM_VALUE

directive @join__field(graph: join__Graph, requires: join__FieldSet, provides: join__FieldSet, type: String, external: Boolean, override: String, usedOverridden: Boolean) repeatable on FIELD_DEFINITION | INPUT_FIELD_DEFINITION

directive @join__graph(name: String!, url: String!) on ENUM_VALUE

directive @join__implements(graph: join__Graph!, interface: String!) repeatable on OBJECT | INTERFACE

directive @join__type(graph: join__Graph!, key: join__FieldSet, extension: Boolean! = false, resolvable: Boolean! = true, isInterfaceObject: Boolean! = false) repeatable on OBJECT | INTERFACE | UNION | ENUM | INPUT_OBJECT | SCALAR

directive @join__unionMember(graph: join__Graph!, member: String!) repeatable on UNION

directive @link(url: String, as: String, for: link__Purpose, import: [link__Import]) repeatable on SCHEMA

scalar join__FieldSet

scalar link__Import

enum link__Purpose {
  """
  `SECURITY` features provide metadata necessary to securely resolve fields.
  """
  SECURITY

  """
  `EXECUTION` features provide metadata necessary for operation execution.
  """
  EXECUTION
}
"#;

/// The `join__Graph` enum value for a subgraph name: upper case, `_` for anything else.
pub fn graph_enum_value(name: &str) -> String {
    let mut value: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_uppercase()
            } else {
                '_'
            }
        })
        .collect();
    if value.starts_with(|c: char| c.is_ascii_digit()) {
        value.insert(0, '_');
    }
    value
}

fn quote(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_else(|_| "\"\"".into())
}

pub fn print(subgraphs: &[ParsedSubgraph], merged: &Merged) -> String {
    let enum_values: Vec<String> = subgraphs
        .iter()
        .map(|s| graph_enum_value(&s.name))
        .collect();
    let uses = |pred: &dyn Fn(&str) -> bool| {
        merged.types.values().any(|t| {
            t.kept.iter().any(|d| pred(&d.name))
                || t.fields.values().any(|f| {
                    f.kept.iter().any(|d| pred(&d.name))
                        || f.args
                            .iter()
                            .any(|a| a.directives.iter().any(|d| pred(&d.name)))
                })
        })
    };
    let inaccessible = merged.types.values().any(|t| {
        t.inaccessible
            || t.fields.values().any(|f| {
                f.inaccessible
                    || f.args
                        .iter()
                        .any(|a| a.directives.iter().any(|d| d.name == "inaccessible"))
            })
            || t.values.values().any(|v| v.inaccessible)
    });
    let tag = uses(&|n| n == "tag");
    let mut out = String::from(
        "schema\n  @link(url: \"https://specs.apollo.dev/link/v1.0\")\n  @link(url: \"https://specs.apollo.dev/join/v0.3\", for: EXECUTION)\n",
    );
    if inaccessible {
        out.push_str(
            "  @link(url: \"https://specs.apollo.dev/inaccessible/v0.2\", for: SECURITY)\n",
        );
    }
    if tag {
        out.push_str("  @link(url: \"https://specs.apollo.dev/tag/v0.3\")\n");
    }
    let auth: Vec<&str> = ["authenticated", "requiresScopes", "policy"]
        .into_iter()
        .filter(|a| uses(&|n| n == *a))
        .collect();
    for a in &auth {
        let _ = writeln!(
            out,
            "  @link(url: \"https://specs.apollo.dev/{a}/v0.1\", for: SECURITY)"
        );
    }
    let demand = uses(&is_demand_directive);
    if demand {
        out.push_str("  @link(url: \"https://specs.apollo.dev/cost/v0.1\", import: [\"@cost\", \"@listSize\"])\n");
    }
    out.push_str("{\n  query: Query\n");
    for (root, field) in [("Mutation", "mutation"), ("Subscription", "subscription")] {
        if merged.types.contains_key(root) {
            let _ = writeln!(out, "  {field}: {root}");
        }
    }
    out.push_str("}\n\n");
    if inaccessible {
        out.push_str("directive @inaccessible on FIELD_DEFINITION | OBJECT | INTERFACE | UNION | ARGUMENT_DEFINITION | SCALAR | ENUM | ENUM_VALUE | INPUT_OBJECT | INPUT_FIELD_DEFINITION\n\n");
    }
    if tag {
        out.push_str("directive @tag(name: String!) repeatable on FIELD_DEFINITION | OBJECT | INTERFACE | UNION | ARGUMENT_DEFINITION | SCALAR | ENUM | ENUM_VALUE | INPUT_OBJECT | INPUT_FIELD_DEFINITION | SCHEMA\n\n");
    }
    for a in &auth {
        match *a {
            "authenticated" => out.push_str("directive @authenticated on FIELD_DEFINITION | OBJECT | INTERFACE | SCALAR | ENUM\n\n"),
            "requiresScopes" => out.push_str("directive @requiresScopes(scopes: [[requiresScopes__Scope!]!]!) on FIELD_DEFINITION | OBJECT | INTERFACE | SCALAR | ENUM\n\nscalar requiresScopes__Scope\n\n"),
            _ => out.push_str("directive @policy(policies: [[policy__Policy!]!]!) on FIELD_DEFINITION | OBJECT | INTERFACE | SCALAR | ENUM\n\nscalar policy__Policy\n\n"),
        }
    }
    if demand {
        out.push_str("directive @cost(weight: Int!) on ARGUMENT_DEFINITION | ENUM | FIELD_DEFINITION | INPUT_FIELD_DEFINITION | OBJECT | SCALAR\n\n");
        out.push_str("directive @listSize(assumedSize: Int, slicingArguments: [String!], sizedFields: [String!], requireOneSlicingArgument: Boolean = true) on FIELD_DEFINITION\n\n");
    }
    let mut composed_seen: Vec<String> = Vec::new();
    for s in subgraphs {
        for d in &s.composed {
            if is_auth_directive(&d.name)
                || is_demand_directive(&d.name)
                || composed_seen.contains(&d.name.to_string())
            {
                continue;
            }
            composed_seen.push(d.name.to_string());
            let _ = writeln!(out, "{d}\n");
        }
    }
    out.push_str(JOIN_DEFINITIONS);
    out.push_str("\nenum join__Graph {\n");
    for (s, value) in subgraphs.iter().zip(&enum_values) {
        let _ = writeln!(
            out,
            "  {value} @join__graph(name: {}, url: {})",
            quote(&s.name),
            quote(&s.url)
        );
    }
    out.push_str("}\n");

    let mut names: Vec<&Name> = merged.types.keys().collect();
    names.sort();
    for name in names {
        out.push('\n');
        print_type(&mut out, name, &merged.types[name], &enum_values);
    }
    out
}

fn print_description(out: &mut String, description: &Option<String>, indent: &str) {
    if let Some(d) = description {
        let _ = writeln!(
            out,
            "{indent}\"\"\"\n{indent}{}\n{indent}\"\"\"",
            d.replace("\"\"\"", "\\\"\"\"")
                .replace('\n', &format!("\n{indent}"))
        );
    }
}

fn print_type(out: &mut String, name: &Name, ty: &MType, graphs: &[String]) {
    print_description(out, &ty.description, "");
    let keyword = match ty.kind {
        Kind::Object => "type",
        Kind::Interface => "interface",
        Kind::Union => "union",
        Kind::Enum => "enum",
        Kind::Input => "input",
        Kind::Scalar => "scalar",
    };
    let _ = write!(out, "{keyword} {name}");
    if !ty.interfaces.is_empty() && matches!(ty.kind, Kind::Object | Kind::Interface) {
        let _ = write!(
            out,
            " implements {}",
            ty.interfaces
                .iter()
                .map(|i| i.as_str())
                .collect::<Vec<_>>()
                .join(" & ")
        );
    }
    out.push('\n');
    for (g, interface) in &ty.implements {
        let _ = writeln!(
            out,
            "  @join__implements(graph: {}, interface: {})",
            graphs[*g],
            quote(interface)
        );
    }
    for j in &ty.joins {
        let mut args = vec![format!("graph: {}", graphs[j.graph])];
        if let Some(key) = &j.key {
            args.push(format!("key: {}", quote(key)));
        }
        if j.extension {
            args.push("extension: true".into());
        }
        if !j.resolvable {
            args.push("resolvable: false".into());
        }
        if j.interface_object {
            args.push("isInterfaceObject: true".into());
        }
        let _ = writeln!(out, "  @join__type({})", args.join(", "));
    }
    for (g, member) in &ty.member_joins {
        let _ = writeln!(
            out,
            "  @join__unionMember(graph: {}, member: {})",
            graphs[*g],
            quote(member)
        );
    }
    if ty.inaccessible {
        out.push_str("  @inaccessible\n");
    }
    for d in &ty.kept {
        let _ = writeln!(out, "  {d}");
    }
    match ty.kind {
        Kind::Union => {
            let _ = writeln!(
                out,
                " = {}",
                ty.members
                    .iter()
                    .map(|m| m.as_str())
                    .collect::<Vec<_>>()
                    .join(" | ")
            );
        }
        Kind::Scalar => {}
        Kind::Enum => {
            out.push_str("{\n");
            for (value, v) in &ty.values {
                let _ = write!(out, "  {value}");
                if v.inaccessible {
                    out.push_str(" @inaccessible");
                }
                for d in &v.kept {
                    let _ = write!(out, " {d}");
                }
                for g in &v.graphs {
                    let _ = write!(out, " @join__enumValue(graph: {})", graphs[*g]);
                }
                out.push('\n');
            }
            out.push_str("}\n");
        }
        Kind::Object | Kind::Interface | Kind::Input => {
            out.push_str("{\n");
            for (field_name, f) in &ty.fields {
                print_description(out, &f.description, "  ");
                let _ = write!(out, "  {field_name}");
                if !f.args.is_empty() {
                    let args: Vec<String> = f
                        .args
                        .iter()
                        .map(|a| {
                            let mut s = format!("{}: {}", a.name, a.ty);
                            if let Some(default) = &a.default {
                                let _ = write!(s, " = {default}");
                            }
                            for d in &a.directives {
                                let _ = write!(s, " {d}");
                            }
                            s
                        })
                        .collect();
                    let _ = write!(out, "({})", args.join(", "));
                }
                let _ = write!(out, ": {}", f.ty);
                if let Some(default) = &f.default {
                    let _ = write!(out, " = {default}");
                }
                if f.inaccessible {
                    out.push_str(" @inaccessible");
                }
                for d in &f.kept {
                    let _ = write!(out, " {d}");
                }
                for j in &f.joins {
                    out.push(' ');
                    out.push_str(&join_field(j, graphs));
                }
                out.push('\n');
            }
            out.push_str("}\n");
        }
    }
}

fn join_field(j: &JoinField, graphs: &[String]) -> String {
    let mut args = Vec::new();
    if let Some(g) = j.graph {
        args.push(format!("graph: {}", graphs[g]));
    }
    if let Some(r) = &j.requires {
        args.push(format!("requires: {}", quote(r)));
    }
    if let Some(p) = &j.provides {
        args.push(format!("provides: {}", quote(p)));
    }
    if let Some(t) = &j.ty {
        args.push(format!("type: {}", quote(t)));
    }
    if j.external {
        args.push("external: true".into());
    }
    if let Some(o) = &j.override_from {
        args.push(format!("override: {}", quote(o)));
    }
    if j.used_overridden {
        args.push("usedOverridden: true".into());
    }
    if args.is_empty() {
        "@join__field".into()
    } else {
        format!("@join__field({})", args.join(", "))
    }
}
