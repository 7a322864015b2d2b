//! The orders subgraph: checkout, the order state machine, order history. Reads top-down:
//! `schema` translates the API, `checkout` and `lifecycle` hold the rules, `store` runs the
//! queries, `events` applies what payments reports, `sweeper` enforces the payment timeout.

mod address;
mod checkout;
mod entity;
mod events;
mod internal;
mod lifecycle;
pub mod schema;
mod service;
mod status;
mod store;
mod sweeper;

use std::sync::Arc;

use futures::FutureExt;
use micromall_kit::config::OrdersSettings;
use micromall_kit::graphql::federation_sdl;
use micromall_kit::{Runtime, SubgraphDef};
use micromall_migrations::MigratorTrait;
use micromall_migrations::orders::Migrator;

pub static SUBGRAPH: SubgraphDef = SubgraphDef {
    name: "orders",
    signs_tokens: false,
    migrate: |db| Migrator::up(db, None).boxed(),
    build: |runtime| build(runtime).boxed(),
    sdl: || federation_sdl(&schema::build(None)),
};

async fn build(runtime: Runtime) -> anyhow::Result<axum::Router> {
    let orders = Arc::new(service::Orders {
        db: runtime.db.clone(),
        outbox: runtime.outbox.clone(),
        services: runtime.internal_client(),
        currency: runtime.currency().to_owned(),
        payment_timeout: runtime.section::<OrdersSettings>().payment_timeout,
        max_pending_per_customer: runtime.section::<OrdersSettings>().max_pending_per_customer,
    });
    runtime
        .subscribe(
            events::CONSUMER,
            events::SUBJECTS,
            Arc::new(events::PaymentEvents(orders.clone())),
        )
        .await?;
    sweeper::spawn(orders.clone(), runtime.shutdown.clone());
    let internal = runtime.internal_router(internal::routes(orders.clone()));
    Ok(runtime
        .graphql_router(schema::build(Some(orders)))
        .merge(internal))
}
