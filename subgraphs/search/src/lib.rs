//! The search subgraph: `searchProducts` over a product index that follows catalog and
//! reviews events. The domain template (`subgraphs/README.md`): `schema` translates the
//! API, `service` holds the use cases, `store` is the index (`store::tantivy` embedded,
//! `store::elasticsearch` shared) and what search keeps in its database (`store::learned`,
//! over `entity`), `events` follows catalog and reviews. Search has no mutations, so no
//! refusal enum: a malformed question is a top-level `BAD_USER_INPUT`.

mod entity;
mod events;
mod schema;
pub mod service;
pub mod store;

use std::sync::Arc;

use futures::FutureExt;
use micromall_kit::graphql::federation_sdl;
use micromall_kit::{Runtime, SubgraphDef};
use micromall_migrations::search::Migrator;

pub static SUBGRAPH: SubgraphDef = SubgraphDef {
    name: "search",
    signs_tokens: false,
    migrate: |db| micromall_kit::db::migrate::<Migrator>(db).boxed(),
    build: |runtime| build(runtime).boxed(),
    sdl: || federation_sdl(&schema::build(None)),
};

async fn build(runtime: Runtime) -> anyhow::Result<axum::Router> {
    let search = Arc::new(service::Search::open(&runtime).await?);
    let follower = Arc::new(events::IndexFollower(search.clone()));
    // Replicas on Elasticsearch share one index, so each event is indexed once; replicas with
    // their own embedded index each need every event (a new replica reads the stream from
    // the start and so builds its index).
    if runtime
        .section::<micromall_kit::config::SearchSettings>()
        .elasticsearch_url
        .is_some()
    {
        runtime
            .subscribe(events::CONSUMER, &events::SUBJECTS, follower)
            .await?;
    } else {
        runtime
            .subscribe_each_replica(events::CONSUMER, &events::SUBJECTS, follower)
            .await?;
    }
    search.spawn_committer(runtime.shutdown.clone());
    Ok(runtime.graphql_router(schema::build(Some(search))))
}
