//! The plan: a tree of fetches. `Sequence` runs children in order, `Parallel` together;
//! a `Fetch` either asks a root field of a subgraph or, with `requires`, resolves entities
//! found at its merge `path` (`@` steps into every list item) through `_entities`.

use std::fmt::Write as _;

use apollo_compiler::Name;
use apollo_compiler::ast::OperationType;

use super::selection::{Sel, print};
use crate::supergraph::GraphId;

#[derive(Debug, Clone)]
pub enum PlanNode {
    Sequence(Vec<PlanNode>),
    Parallel(Vec<PlanNode>),
    Fetch(Box<FetchNode>),
}

#[derive(Debug, Clone, PartialEq)]
pub enum PathStep {
    Key(Name),
    /// Every item of a list.
    List,
}

#[derive(Debug, Clone)]
pub struct FetchNode {
    pub graph: GraphId,
    pub subgraph: String,
    pub kind: OperationType,
    /// Where results merge into the response (empty for root fetches).
    pub path: Vec<PathStep>,
    /// For entity fetches: what each representation holds (`... on T { __typename key }`).
    pub requires: Option<Vec<Sel>>,
    /// The selections asked (inside `_entities` for entity fetches).
    pub selections: Vec<Sel>,
    /// The subgraph operation, ready to send.
    pub operation: String,
    /// Client variables the operation uses.
    pub variables: Vec<Name>,
    /// Their definitions as the operation declares them (`$name: Type = default`).
    pub variable_definitions: Vec<String>,
    /// The printed selections: for entity fetches, what goes inside `_entities`, so fetches
    /// of one stage to one subgraph can share a request.
    pub printed_selections: String,
    /// Types the target subgraph knows as `@interfaceObject`: their representations carry
    /// the interface's name as `__typename`.
    pub interface_objects: Vec<Name>,
    /// Internal aliases to undo in the response: (alias sent, response key meant).
    pub renames: Vec<(Name, Name)>,
}

#[derive(Debug, Clone)]
pub struct QueryPlan {
    pub root: Option<PlanNode>,
}

impl QueryPlan {
    /// A readable rendering, for `micromall router plan` and plan snapshot tests.
    pub fn display(&self) -> String {
        let mut out = String::from("QueryPlan {\n");
        if let Some(root) = &self.root {
            display_node(&mut out, root, 1);
        }
        out.push_str("}\n");
        out
    }
}

fn display_node(out: &mut String, node: &PlanNode, depth: usize) {
    let pad = "  ".repeat(depth);
    match node {
        PlanNode::Sequence(children) | PlanNode::Parallel(children) => {
            let label = if matches!(node, PlanNode::Sequence(_)) {
                "Sequence"
            } else {
                "Parallel"
            };
            let _ = writeln!(out, "{pad}{label} {{");
            for child in children {
                display_node(out, child, depth + 1);
            }
            let _ = writeln!(out, "{pad}}}");
        }
        PlanNode::Fetch(fetch) => {
            let mut inner_pad = pad.clone();
            if !fetch.path.is_empty() {
                let _ = writeln!(
                    out,
                    "{pad}Flatten(path: \"{}\") {{",
                    display_path(&fetch.path)
                );
                inner_pad.push_str("  ");
            }
            let _ = writeln!(out, "{inner_pad}Fetch(service: \"{}\") {{", fetch.subgraph);
            if let Some(requires) = &fetch.requires {
                let _ = writeln!(out, "{inner_pad}  {} =>", print(requires));
            }
            let _ = writeln!(out, "{inner_pad}  {}", print(&fetch.selections));
            let _ = writeln!(out, "{inner_pad}}}");
            if !fetch.path.is_empty() {
                let _ = writeln!(out, "{pad}}}");
            }
        }
    }
}

pub fn display_path(path: &[PathStep]) -> String {
    path.iter()
        .map(|step| match step {
            PathStep::Key(k) => k.to_string(),
            PathStep::List => "@".to_owned(),
        })
        .collect::<Vec<_>>()
        .join(".")
}
