//! The shipping subgraph: zones, methods and rates, shipments of paid orders, carriers and
//! their tracking; on the domain template (`subgraphs/README.md`). `schema` translates the
//! API, `service` holds the use cases and applies the `rules`, `refusal` says what each
//! refusal means to a client, `store` runs the queries, `entity` maps the tables; `webhooks`
//! (carriers' callbacks), `internal` (checkout's quote) and the `sweeper` are the other ways
//! in. `carrier` is the adapter interface and `sandbox` the always-available carrier.

pub mod carrier;
mod entity;
mod internal;
mod refusal;
pub mod rules;
pub mod sandbox;
pub mod schema;
pub mod service;
mod store;
mod sweeper;
mod webhooks;

use std::sync::Arc;

use futures::FutureExt;
use micromall_kit::config::Settings;
use micromall_kit::graphql::federation_sdl;
use micromall_kit::{Runtime, SubgraphDef};
use micromall_migrations::shipping::Migrator;

use crate::service::Shipping;

pub static SUBGRAPH: SubgraphDef = SubgraphDef {
    name: "shipping",
    signs_tokens: false,
    migrate: |db| micromall_kit::db::migrate::<Migrator>(db).boxed(),
    build: |runtime| build(runtime).boxed(),
    sdl: || federation_sdl(&schema::build(None)),
};

/// Where the embedded mode keeps the carrier sandbox's generated secret.
pub(crate) const CARRIER_SECRET_FILE: &str = "carrier-sandbox.key";

/// The carrier sandbox's shared secret: `MICROMALL_CARRIER_SANDBOX_SECRET`, or one kept
/// under the data dir (the same one `build` reads).
pub fn carrier_secret(settings: &Settings) -> anyhow::Result<Vec<u8>> {
    micromall_kit::auth::shared_secret(
        settings,
        settings.shipping.sandbox.secret.as_deref(),
        CARRIER_SECRET_FILE,
    )
}

async fn build(runtime: Runtime) -> anyhow::Result<axum::Router> {
    let shipping = Arc::new(Shipping::open(&runtime)?);
    sweeper::spawn(shipping.clone(), runtime.shutdown.clone());
    let internal = runtime.internal_router(internal::routes(shipping.clone()));
    Ok(runtime
        .graphql_router(schema::build(Some(shipping.clone())))
        .merge(internal)
        .merge(webhooks::routes(shipping)))
}
