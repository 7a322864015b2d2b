//! The accounts subgraph: users, credentials, access and refresh tokens, roles and
//! permissions. On the domain template (`subgraphs/README.md`): `schema` translates the API,
//! `service` holds the use cases and applies the `rules`, `refusal` says what each refusal
//! means to a client, `store` runs the queries, `entity` maps the tables. `password`,
//! `throttle` and `tokens` are the service's tools: hashing, brute-force protection and
//! refresh tokens.

mod entity;
mod events;
mod password;
mod refusal;
mod rules;
pub mod schema;
mod service;
mod store;
mod throttle;
mod tokens;

use std::sync::Arc;

use futures::FutureExt;
use micromall_kit::graphql::federation_sdl;
use micromall_kit::{Runtime, SubgraphDef};
use micromall_migrations::accounts::Migrator;

pub use events::USER_REGISTERED;

pub static SUBGRAPH: SubgraphDef = SubgraphDef {
    name: "accounts",
    signs_tokens: true,
    migrate: |db| micromall_kit::db::migrate::<Migrator>(db).boxed(),
    build: |runtime| build(runtime).boxed(),
    sdl: || federation_sdl(&schema::build(None)),
};

async fn build(runtime: Runtime) -> anyhow::Result<axum::Router> {
    let accounts = Arc::new(service::Accounts::open(&runtime).await?);
    Ok(runtime.graphql_router(schema::build(Some(accounts))))
}
