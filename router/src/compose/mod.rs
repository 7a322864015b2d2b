//! Composition: subgraph SDLs (as published by `_service { sdl }`) become one Federation 2
//! supergraph (`@link` join v0.3) that `Supergraph::parse` loads.
//!
//! `subgraph` reads each SDL, resolving federation directive names through its `@link`
//! imports; `merge` unites the types, writing `join__` directives that tell the planner which
//! subgraph resolves what; `validate` rejects what no router could serve; `print` writes the
//! result.

mod merge;
mod print;
mod subgraph;
mod validate;

/// One subgraph to compose.
#[derive(Debug, Clone, serde::Deserialize)]
pub struct SubgraphSdl {
    pub name: String,
    pub url: String,
    pub sdl: String,
}

/// Why subgraphs do not compose, with a stable code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CompositionError {
    pub code: &'static str,
    pub message: String,
}

impl std::fmt::Display for CompositionError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "[{}] {}", self.code, self.message)
    }
}

/// Composes `subgraphs` into a supergraph SDL.
pub fn compose(subgraphs: &[SubgraphSdl]) -> Result<String, Vec<CompositionError>> {
    if subgraphs.is_empty() {
        return Err(vec![CompositionError {
            code: "NO_SUBGRAPHS",
            message: "nothing to compose".into(),
        }]);
    }
    let mut parsed = Vec::new();
    let mut errors = Vec::new();
    // Graphs are listed by name, whatever order they were given in: one composition, one
    // supergraph.
    let mut subgraphs: Vec<&SubgraphSdl> = subgraphs.iter().collect();
    subgraphs.sort_by(|a, b| a.name.cmp(&b.name));
    for s in subgraphs {
        match subgraph::parse(&s.name, &s.url, &s.sdl) {
            Ok(p) => parsed.push(p),
            Err(e) => errors.push(e),
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let merged = merge::merge(&parsed);
    let errors = validate::validate(&parsed, &merged);
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(print::print(&parsed, &merged))
}
