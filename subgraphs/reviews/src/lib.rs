//! The reviews subgraph: customers review products they received, moderators hide, restore
//! and answer reviews, customers vote on which helped; each product's rating is kept as
//! running totals and announced to search. On the domain template (`subgraphs/README.md`):
//! `schema` translates the API, `service` holds the use cases and applies the `rules`,
//! `refusal` says what each refusal means to a client, `store` runs the queries, `entity`
//! maps the tables; `events` follows deliveries and announces rating changes.

mod entity;
mod events;
mod refusal;
mod rules;
pub mod schema;
pub mod service;
mod store;

use std::sync::Arc;

use futures::FutureExt;
use micromall_kit::graphql::federation_sdl;
use micromall_kit::{Runtime, SubgraphDef};
use micromall_migrations::reviews::Migrator;

pub static SUBGRAPH: SubgraphDef = SubgraphDef {
    name: "reviews",
    signs_tokens: false,
    migrate: |db| micromall_kit::db::migrate::<Migrator>(db).boxed(),
    build: |runtime| build(runtime).boxed(),
    sdl: || federation_sdl(&schema::build(None)),
};

async fn build(runtime: Runtime) -> anyhow::Result<axum::Router> {
    let reviews = Arc::new(service::Reviews::open(&runtime));
    runtime
        .subscribe(
            events::CONSUMER,
            &events::SUBJECTS,
            Arc::new(events::DeliveryFollower(reviews.clone())),
        )
        .await?;
    Ok(runtime.graphql_router(schema::build(Some(reviews))))
}
