//! The payments subgraph: payments for orders through provider adapters, signed provider
//! callbacks, refunds; on the domain template (`subgraphs/README.md`). `schema` translates the
//! API, `service` holds the use cases and applies the `rules`, `refusal` says what each
//! refusal means to a client, `store` runs the queries, `entity` maps the tables; `webhooks`
//! (providers' callbacks), `events` and the `reconciler` are the other ways in. `provider` is
//! the adapter interface and `sandbox` the always-available provider.

mod entity;
mod events;
pub mod provider;
mod reconciler;
mod refusal;
mod rules;
pub mod sandbox;
pub mod schema;
mod service;
mod status;
mod store;
mod webhooks;

use std::sync::Arc;

use futures::FutureExt;
use micromall_kit::config::{PaymentsSettings, Settings};
use micromall_kit::graphql::federation_sdl;
use micromall_kit::{Runtime, SubgraphDef};
use micromall_migrations::payments::Migrator;

use crate::service::Payments;

pub use service::Applied;

pub static SUBGRAPH: SubgraphDef = SubgraphDef {
    name: "payments",
    signs_tokens: false,
    migrate: |db| micromall_kit::db::migrate::<Migrator>(db).boxed(),
    build: |runtime| build(runtime).boxed(),
    sdl: || federation_sdl(&schema::build(None)),
};

/// Where the embedded mode keeps the sandbox's generated secret.
pub(crate) const SANDBOX_SECRET_FILE: &str = "sandbox.key";

/// The sandbox's shared secret for the sandbox processor: `MICROMALL_SANDBOX_SECRET`, or
/// one kept under the data dir (the same one `build` reads).
pub fn sandbox_secret(settings: &Settings) -> anyhow::Result<Vec<u8>> {
    micromall_kit::auth::shared_secret(
        settings,
        settings.payments.sandbox.secret.as_deref(),
        SANDBOX_SECRET_FILE,
    )
}

async fn build(runtime: Runtime) -> anyhow::Result<axum::Router> {
    let settings = runtime.section::<PaymentsSettings>();
    let payments = Arc::new(Payments::open(&runtime, settings)?);
    runtime
        .subscribe(
            events::CONSUMER,
            events::SUBJECTS,
            Arc::new(events::MoneyBack(payments.clone())),
        )
        .await?;
    reconciler::spawn(
        payments.clone(),
        settings.reconcile_every,
        settings.provider_timeout,
        runtime.shutdown.clone(),
    );
    Ok(runtime
        .graphql_router(schema::build(Some(payments.clone())))
        .merge(webhooks::routes(payments)))
}
