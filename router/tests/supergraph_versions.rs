//! Supergraphs linking join v0.4 and v0.5 load and plan like v0.3 ones: the extra directives
//! (`@join__directive`, context arguments) do not change how fields resolve.

use std::path::PathBuf;

use micromall_router::Supergraph;
use micromall_router::pipeline::limits::Limits;
use micromall_router::pipeline::prepare;
use micromall_router::planner::plan;

fn reference(suite: &str) -> String {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(format!(
        "../../shared/federation-audit/{suite}.supergraph.graphql"
    ));
    std::fs::read_to_string(path).expect("audit data beside the checkout")
}

/// The same supergraph, re-linked to a later join version with its added definitions.
fn relinked(sdl: &str, version: &str) -> String {
    let mut out = sdl.replace(
        "https://specs.apollo.dev/join/v0.3",
        &format!("https://specs.apollo.dev/join/{version}"),
    );
    out.push_str(
        "\ndirective @join__directive(graphs: [join__Graph!], name: String!, args: join__DirectiveArguments) repeatable on SCHEMA | OBJECT | INTERFACE | FIELD_DEFINITION\n\nscalar join__DirectiveArguments\n",
    );
    if version == "v0.5" {
        out.push_str("\ninput join__ContextArgument { name: String! type: String! context: String! selection: join__FieldValue! }\n\nscalar join__FieldValue\n");
    }
    out
}

fn plans(sdl: &str, queries: &[&str]) -> Vec<String> {
    let supergraph = Supergraph::parse(sdl).expect("loads");
    queries
        .iter()
        .map(|q| {
            let prepared = prepare(&supergraph, q, None, Default::default(), &Limits::default())
                .expect("valid");
            plan(&supergraph, &prepared.operation)
                .expect("plans")
                .display()
        })
        .collect()
}

#[test]
#[cfg_attr(
    not(audit_data),
    ignore = "needs the Federation audit data in ../shared/federation-audit (graphql-hive/federation-gateway-audit)"
)]
fn join_v04_and_v05_supergraphs_plan_like_v03() {
    let sdl = reference("simple-requires-provides");
    let queries = [
        "{ products { upc name shippingEstimate } }",
        "{ products { reviews { author { username } } } }",
    ];
    let baseline = plans(&sdl, &queries);
    for version in ["v0.4", "v0.5"] {
        let relinked = relinked(&sdl, version);
        assert!(relinked.contains(&format!("join/{version}")));
        assert_eq!(plans(&relinked, &queries), baseline, "{version}");
    }
}
