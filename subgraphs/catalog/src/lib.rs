//! The catalog subgraph: products, variants (SKUs), categories, tags, images. On the domain
//! template (`subgraphs/README.md`): `schema` translates the API, `service` holds the use
//! cases and applies the `rules`, `refusal` says what each refusal means to a client, `store`
//! runs the queries, `entity` maps the tables, `events` names what other domains learn and
//! `internal` answers other services.

mod entity;
mod events;
mod internal;
mod refusal;
mod rules;
pub mod schema;
pub mod service;
mod store;

use std::sync::Arc;

use futures::FutureExt;
use micromall_kit::graphql::federation_sdl;
use micromall_kit::{Runtime, SubgraphDef};
use micromall_migrations::catalog::Migrator;

pub use events::{PRODUCT_ARCHIVED, PRODUCT_CHANGED};

pub static SUBGRAPH: SubgraphDef = SubgraphDef {
    name: "catalog",
    signs_tokens: false,
    migrate: |db| micromall_kit::db::migrate::<Migrator>(db).boxed(),
    build: |runtime| build(runtime).boxed(),
    sdl: || federation_sdl(&schema::build(None)),
};

async fn build(runtime: Runtime) -> anyhow::Result<axum::Router> {
    let catalog = Arc::new(service::Catalog::open(&runtime));
    let internal = runtime.internal_router(internal::routes(catalog.clone()));
    Ok(runtime
        .graphql_router(schema::build(Some(catalog)))
        .merge(internal))
}
