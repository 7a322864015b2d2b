//! The search subgraph: `searchProducts` over a product index that follows catalog events.
//! `engine` says what a backend does; `tantivy_engine` is the embedded one; `events` keeps the
//! index current; `schema` is the API.

#[cfg(feature = "elasticsearch")]
pub mod elasticsearch;
pub mod engine;
mod events;
mod schema;
pub mod tantivy_engine;

use std::sync::Arc;

use futures::FutureExt;
use micromall_kit::config::SearchSettings;
use micromall_kit::graphql::federation_sdl;
use micromall_kit::{Runtime, SubgraphDef};
use micromall_migrations::MigratorTrait;
use micromall_migrations::search::Migrator;

use crate::engine::SearchEngine;

pub static SUBGRAPH: SubgraphDef = SubgraphDef {
    name: "search",
    signs_tokens: false,
    migrate: |db| Migrator::up(db, None).boxed(),
    build: |runtime| build(runtime).boxed(),
    sdl: || federation_sdl(&schema::build(None)),
};

async fn build(runtime: Runtime) -> anyhow::Result<axum::Router> {
    let engine: Arc<dyn SearchEngine> = match &runtime.section::<SearchSettings>().elasticsearch_url
    {
        #[cfg(feature = "elasticsearch")]
        Some(url) => {
            Arc::new(elasticsearch::ElasticsearchEngine::connect(url, "micromall-products").await?)
        }
        #[cfg(not(feature = "elasticsearch"))]
        Some(_) => anyhow::bail!(
            "ELASTICSEARCH_URL is set but this build has no Elasticsearch backend (cargo feature `elasticsearch`)"
        ),
        None => {
            let dir = runtime.data_dir().join("search").join("index");
            Arc::new(tantivy_engine::Embedded(Arc::new(
                tantivy_engine::TantivyEngine::open(&dir)?,
            )))
        }
    };
    runtime
        .subscribe(
            "search",
            &[events::PRODUCT_CHANGED, events::PRODUCT_ARCHIVED],
            Arc::new(events::CatalogFollower(engine.clone())),
        )
        .await?;
    events::spawn_committer(engine.clone(), runtime.shutdown.clone());
    Ok(runtime.graphql_router(schema::build(Some(engine))))
}
