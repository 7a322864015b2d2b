//! The insights subgraph: the back office's numbers, from a read model fed only by events
//! (analytics never load the transactional databases). On the domain template
//! (`subgraphs/README.md`): `schema` translates the API, `service` takes events in, answers
//! the figures and rebuilds, `rules` computes the figures, `store` runs the queries, `entity`
//! maps the tables; `events` follows orders, payments, carts and inventory.

mod entity;
mod events;
pub mod rules;
pub mod schema;
pub mod service;
mod store;

use std::sync::Arc;

use futures::FutureExt;
use micromall_kit::graphql::federation_sdl;
use micromall_kit::{Runtime, SubgraphDef};
use micromall_migrations::insights::Migrator;

pub static SUBGRAPH: SubgraphDef = SubgraphDef {
    name: "insights",
    signs_tokens: false,
    migrate: |db| micromall_kit::db::migrate::<Migrator>(db).boxed(),
    build: |runtime| build(runtime).boxed(),
    sdl: || federation_sdl(&schema::build(None)),
};

async fn build(runtime: Runtime) -> anyhow::Result<axum::Router> {
    let insights = Arc::new(service::Insights::open(&runtime));
    runtime
        .subscribe(
            events::CONSUMER,
            &service::SUBJECTS,
            Arc::new(events::Follower(insights.clone())),
        )
        .await?;
    Ok(runtime.graphql_router(schema::build(Some(insights))))
}
