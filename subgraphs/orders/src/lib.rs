//! The orders subgraph: checkout, the order state machine, order history. On the domain
//! template (`subgraphs/README.md`): `schema` translates the API, `service` holds the use
//! cases and applies the `rules`, `refusal` says what each refusal means to a client, `store`
//! runs the queries, `entity` maps the tables; `internal` answers payments, `events` applies
//! what payments reports and `sweeper` enforces the payment timeout.

mod entity;
mod events;
mod internal;
mod refusal;
mod rules;
pub mod schema;
mod service;
mod store;
mod sweeper;

use std::sync::Arc;

use futures::FutureExt;
use micromall_kit::graphql::federation_sdl;
use micromall_kit::{Runtime, SubgraphDef};
use micromall_migrations::orders::Migrator;

pub static SUBGRAPH: SubgraphDef = SubgraphDef {
    name: "orders",
    signs_tokens: false,
    migrate: |db| micromall_kit::db::migrate::<Migrator>(db).boxed(),
    build: |runtime| build(runtime).boxed(),
    sdl: || federation_sdl(&schema::build(None)),
};

async fn build(runtime: Runtime) -> anyhow::Result<axum::Router> {
    let orders = Arc::new(service::Orders::open(&runtime));
    runtime
        .subscribe(
            events::CONSUMER,
            events::SUBJECTS,
            Arc::new(events::Follower(orders.clone())),
        )
        .await?;
    sweeper::spawn(orders.clone(), runtime.shutdown.clone());
    let internal = runtime.internal_router(internal::routes(orders.clone()));
    Ok(runtime
        .graphql_router(schema::build(Some(orders)))
        .merge(internal))
}
