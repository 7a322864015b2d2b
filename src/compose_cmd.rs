//! `micromall compose`: subgraph SDLs in, supergraph out.

use std::path::{Path, PathBuf};

use anyhow::{Context as _, bail};
use micromall_kit::config::Settings;
use micromall_router::compose::{SubgraphSdl, compose};

use crate::subgraphs;

/// Micromall's own subgraphs as they would be composed, at `settings`' addresses.
pub fn micromall_subgraphs(settings: &Settings) -> Vec<SubgraphSdl> {
    subgraphs::ALL
        .iter()
        .filter_map(|def| {
            Some(SubgraphSdl {
                name: def.name.to_owned(),
                url: format!("http://{}/graphql", settings.subgraph_addr(def.name)?),
                sdl: (def.sdl)(),
            })
        })
        .collect()
}

pub fn compose_or_explain(subgraphs: &[SubgraphSdl]) -> anyhow::Result<String> {
    compose(subgraphs).map_err(|errors| {
        let lines: Vec<String> = errors.iter().map(ToString::to_string).collect();
        anyhow::anyhow!("composition failed:\n  {}", lines.join("\n  "))
    })
}

pub async fn run(
    settings: &Settings,
    specs: &[String],
    micromall: bool,
    output: Option<&Path>,
    write_schema_dir: Option<&Path>,
) -> anyhow::Result<()> {
    let subgraphs = if micromall {
        micromall_subgraphs(settings)
    } else {
        if specs.is_empty() {
            bail!("name subgraphs with --subgraph NAME=URL[=FILE], or use --micromall");
        }
        let mut subgraphs = Vec::new();
        for spec in specs {
            subgraphs.push(read_spec(spec).await?);
        }
        subgraphs
    };
    let supergraph = compose_or_explain(&subgraphs)?;
    if let Some(dir) = write_schema_dir {
        std::fs::create_dir_all(dir.join("subgraphs"))?;
        for s in &subgraphs {
            let path = dir.join("subgraphs").join(format!("{}.graphql", s.name));
            std::fs::write(&path, &s.sdl)
                .with_context(|| format!("cannot write {}", path.display()))?;
        }
        std::fs::write(dir.join("supergraph.graphql"), &supergraph)?;
        println!(
            "wrote {} subgraph schemas and the supergraph to {}",
            subgraphs.len(),
            dir.display()
        );
        return Ok(());
    }
    match output {
        Some(path) => std::fs::write(path, &supergraph)
            .with_context(|| format!("cannot write {}", path.display()))?,
        None => print!("{supergraph}"),
    }
    Ok(())
}

async fn read_spec(spec: &str) -> anyhow::Result<SubgraphSdl> {
    let mut parts = spec.splitn(3, '=');
    let (Some(name), Some(url)) = (parts.next(), parts.next()) else {
        bail!("`{spec}` is not NAME=URL[=FILE]");
    };
    let sdl = match parts.next() {
        Some(file) => std::fs::read_to_string(PathBuf::from(file))
            .with_context(|| format!("cannot read {file}"))?,
        None => fetch_sdl(url)
            .await
            .with_context(|| format!("cannot read the SDL of `{name}` from {url}"))?,
    };
    Ok(SubgraphSdl {
        name: name.to_owned(),
        url: url.to_owned(),
        sdl,
    })
}

async fn fetch_sdl(url: &str) -> anyhow::Result<String> {
    let response: serde_json::Value = reqwest::Client::new()
        .post(url)
        .json(&serde_json::json!({ "query": "{ _service { sdl } }" }))
        .timeout(std::time::Duration::from_secs(10))
        .send()
        .await?
        .json()
        .await?;
    response["data"]["_service"]["sdl"]
        .as_str()
        .map(str::to_owned)
        .context("the subgraph did not answer `_service { sdl }`")
}
