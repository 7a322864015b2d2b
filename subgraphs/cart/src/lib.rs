//! The cart subgraph: each customer's (or guest's) cart and its lines, on the domain template
//! (`subgraphs/README.md`): `schema` translates the API, `service` holds the use cases and
//! applies the `rules` in write transactions, `refusal` says what each refusal means to a
//! client, `pricing` prices a cart with catalog's current prices, `remote` asks catalog and
//! inventory, `store` runs the queries, `entity` maps the tables; `internal` serves checkout
//! and `events` follows placed orders.

mod entity;
mod events;
mod internal;
mod pricing;
mod refusal;
mod remote;
mod rules;
mod schema;
mod service;
mod store;
mod sweeper;

use std::sync::Arc;

use futures::FutureExt;
use micromall_kit::config::CartSettings;
use micromall_kit::graphql::federation_sdl;
use micromall_kit::{Runtime, SubgraphDef};
use micromall_migrations::cart::Migrator;

use crate::service::Carts;

pub static SUBGRAPH: SubgraphDef = SubgraphDef {
    name: "cart",
    signs_tokens: false,
    migrate: |db| micromall_kit::db::migrate::<Migrator>(db).boxed(),
    build: |runtime| build(runtime).boxed(),
    sdl: || federation_sdl(&schema::build(None)),
};

async fn build(runtime: Runtime) -> anyhow::Result<axum::Router> {
    let carts = Arc::new(Carts::open(&runtime));
    runtime
        .subscribe(
            events::CONSUMER,
            events::SUBJECTS,
            Arc::new(events::OrderPlacedFollower(carts.clone())),
        )
        .await?;
    let ttl = runtime.section::<CartSettings>().guest_idle_ttl;
    sweeper::spawn(carts.clone(), ttl, runtime.shutdown.clone());
    let internal = runtime.internal_router(internal::routes(carts.clone()));
    Ok(runtime
        .graphql_router(schema::build(Some(carts)))
        .merge(internal))
}
