//! The cart subgraph: each customer's cart and its lines. Reads top-down: `schema`
//! translates the API, `service` applies the `rules` in write transactions, `pricing` prices
//! a cart with catalog's current prices, `remote` asks catalog and inventory, `coupons` decides
//! which codes apply, `store` runs the queries, `entity` maps the tables, `internal` serves
//! checkout and `events` follows placed orders.

mod coupons;
mod entity;
mod events;
mod internal;
mod pricing;
mod remote;
mod rules;
mod schema;
mod service;
mod store;

use std::sync::Arc;

use futures::FutureExt;
use micromall_kit::graphql::federation_sdl;
use micromall_kit::{Runtime, SubgraphDef};
use micromall_migrations::MigratorTrait;
use micromall_migrations::cart::Migrator;

use crate::service::Carts;

pub static SUBGRAPH: SubgraphDef = SubgraphDef {
    name: "cart",
    signs_tokens: false,
    migrate: |db| Migrator::up(db, None).boxed(),
    build: |runtime| build(runtime).boxed(),
    sdl: || federation_sdl(&schema::build(None)),
};

async fn build(runtime: Runtime) -> anyhow::Result<axum::Router> {
    let client = runtime.internal_client();
    let currency = runtime.currency().to_owned();
    let carts = Arc::new(Carts {
        db: runtime.db.clone(),
        catalog: remote::Catalog {
            client: client.clone(),
            currency: currency.clone(),
        },
        inventory: remote::Inventory { client },
        currency,
    });
    runtime
        .subscribe(
            events::CONSUMER,
            events::SUBJECTS,
            Arc::new(events::OrderPlacedFollower {
                db: runtime.db.clone(),
            }),
        )
        .await?;
    let internal = runtime.internal_router(internal::routes(carts.clone()));
    Ok(runtime
        .graphql_router(schema::build(Some(carts)))
        .merge(internal))
}
