//! The marketing subgraph: coupons whose budgets are never exceeded nor lost, automatic
//! promotions, and what both take off a cart. On the domain template
//! (`subgraphs/README.md`): `schema` translates the API, `service` holds the use cases and
//! applies the `rules`, `refusal` says what each refusal means to a client, `store` runs the
//! queries, `entity` maps the tables; `internal` answers cart and checkout, `events` follows
//! orders being paid and cancelled, and the `sweeper` settles holds whose order never came.

mod entity;
mod events;
mod internal;
mod refusal;
pub mod rules;
pub mod schema;
pub mod service;
mod store;
mod sweeper;

use std::sync::Arc;

use futures::FutureExt;
use micromall_kit::config::MarketingSettings;
use micromall_kit::graphql::federation_sdl;
use micromall_kit::{Runtime, SubgraphDef};
use micromall_migrations::marketing::Migrator;

pub static SUBGRAPH: SubgraphDef = SubgraphDef {
    name: "marketing",
    signs_tokens: false,
    migrate: |db| micromall_kit::db::migrate::<Migrator>(db).boxed(),
    build: |runtime| build(runtime).boxed(),
    sdl: || federation_sdl(&schema::build(None)),
};

async fn build(runtime: Runtime) -> anyhow::Result<axum::Router> {
    let marketing = Arc::new(service::Marketing::open(&runtime));
    runtime
        .subscribe(
            events::CONSUMER,
            &events::SUBJECTS,
            Arc::new(events::Follower(marketing.clone())),
        )
        .await?;
    let settings = runtime.section::<MarketingSettings>();
    sweeper::spawn(
        marketing.clone(),
        settings.hold_sweep_interval,
        runtime.shutdown.clone(),
    );
    let internal = runtime.internal_router(internal::routes(marketing.clone()));
    Ok(runtime
        .graphql_router(schema::build(Some(marketing)))
        .merge(internal))
}
