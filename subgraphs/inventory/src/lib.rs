//! The inventory subgraph: warehouses, stock levels, holds on stock for orders, and the
//! ledger that explains every change. The example of the domain template
//! (`subgraphs/README.md`): `schema` translates the API, `service` holds the use cases and
//! applies the `rules`, `refusal` says what each refusal means to a client, `store` runs the
//! queries, `entity` maps the tables; `internal`, `events` and `sweeper` are the other ways in.

mod entity;
mod events;
mod internal;
mod refusal;
mod rules;
pub mod schema;
pub mod service;
mod store;
mod sweeper;

use std::sync::Arc;

use futures::FutureExt;
use micromall_kit::graphql::federation_sdl;
use micromall_kit::{Runtime, SubgraphDef};
use micromall_migrations::inventory::Migrator;

pub static SUBGRAPH: SubgraphDef = SubgraphDef {
    name: "inventory",
    signs_tokens: false,
    migrate: |db| micromall_kit::db::migrate::<Migrator>(db).boxed(),
    build: |runtime| build(runtime).boxed(),
    sdl: || federation_sdl(&schema::build(None)),
};

async fn build(runtime: Runtime) -> anyhow::Result<axum::Router> {
    let inventory = Arc::new(service::Inventory::open(&runtime).await?);
    runtime
        .subscribe(
            events::CONSUMER,
            &events::SUBJECTS,
            Arc::new(events::OrderFollower(inventory.clone())),
        )
        .await?;
    sweeper::spawn(inventory.clone(), runtime.shutdown.clone());
    let internal = runtime.internal_router(internal::routes(inventory.clone()));
    Ok(runtime
        .graphql_router(schema::build(Some(inventory)))
        .merge(internal))
}
