//! The payments subgraph: payments for orders through provider adapters, signed provider
//! callbacks, refunds. Reads top-down: `schema` translates the API; `pay`, `refund` and
//! `callbacks` hold the rules; `events` gives money back when orders no longer want it;
//! `reconcile` settles refunds the provider left unanswered; `provider` is the adapter
//! interface and `sandbox` the always-available provider.

mod callbacks;
mod entity;
mod events;
mod pay;
pub mod provider;
mod reconcile;
mod refund;
pub mod sandbox;
pub mod schema;
mod service;
mod status;

use std::collections::BTreeMap;
use std::sync::Arc;

use anyhow::Context as _;
use futures::FutureExt;
use micromall_kit::config::{PaymentsSettings, Settings};
use micromall_kit::graphql::federation_sdl;
use micromall_kit::{Runtime, SubgraphDef};
use micromall_migrations::MigratorTrait;
use micromall_migrations::payments::Migrator;

pub use callbacks::Applied;

pub static SUBGRAPH: SubgraphDef = SubgraphDef {
    name: "payments",
    signs_tokens: false,
    migrate: |db| Migrator::up(db, None).boxed(),
    build: |runtime| build(runtime).boxed(),
    sdl: || federation_sdl(&schema::build(None)),
};

/// Where the embedded mode keeps the sandbox's generated secret.
const SANDBOX_SECRET_FILE: &str = "sandbox.key";

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
    let sandbox_url = runtime
        .service_url("sandbox")
        .context("no URL for the payment sandbox")?;
    let own_url = runtime
        .service_url("payments")
        .context("no public URL for payments")?;
    let secret = runtime.shared_secret(settings.sandbox.secret.as_deref(), SANDBOX_SECRET_FILE)?;
    let sandbox: Arc<dyn provider::PaymentProvider> =
        Arc::new(sandbox::adapter::SandboxProvider::new(
            sandbox_url,
            secret,
            format!("{own_url}/webhooks/payments/sandbox"),
            settings.provider_timeout,
        ));
    let payments = Arc::new(service::Payments {
        db: runtime.db.clone(),
        outbox: runtime.outbox.clone(),
        services: runtime.internal_client(),
        providers: BTreeMap::from([(sandbox.name(), sandbox)]),
    });
    runtime
        .subscribe(
            events::CONSUMER,
            events::SUBJECTS,
            Arc::new(events::MoneyBack(payments.clone())),
        )
        .await?;
    reconcile::spawn(
        payments.clone(),
        settings.reconcile_every,
        settings.provider_timeout,
        runtime.shutdown.clone(),
    );
    Ok(runtime
        .graphql_router(schema::build(Some(payments.clone())))
        .merge(callbacks::routes(payments)))
}
