//! The catalog subgraph: products, variants (SKUs), categories, tags, images. Reads top-down:
//! `schema` translates the API, `service` holds the rules, `store` runs the queries, `entity`
//! maps the tables, `events` names what other domains learn.

mod entity;
mod events;
mod internal;
mod rules;
pub mod schema;
pub mod service;
mod store;

use std::sync::Arc;

use futures::FutureExt;
use micromall_kit::graphql::federation_sdl;
use micromall_kit::{Runtime, SubgraphDef};
use micromall_migrations::MigratorTrait;
use micromall_migrations::catalog::Migrator;

pub use events::{PRODUCT_ARCHIVED, PRODUCT_CHANGED};

pub static SUBGRAPH: SubgraphDef = SubgraphDef {
    name: "catalog",
    signs_tokens: false,
    migrate: |db| Migrator::up(db, None).boxed(),
    build: |runtime| build(runtime).boxed(),
    sdl: || federation_sdl(&schema::build(None)),
};

/// The catalog's rules over a prepared subgraph's database (for seeding demo data).
pub fn catalog(runtime: &Runtime) -> service::Catalog {
    service::Catalog {
        db: runtime.db.clone(),
        outbox: runtime.outbox.clone(),
        currency: runtime.currency().to_owned(),
    }
}

async fn build(runtime: Runtime) -> anyhow::Result<axum::Router> {
    let catalog = Arc::new(catalog(&runtime));
    let internal = runtime.internal_router(internal::routes(catalog.clone()));
    Ok(runtime
        .graphql_router(schema::build(Some(catalog)))
        .merge(internal))
}
