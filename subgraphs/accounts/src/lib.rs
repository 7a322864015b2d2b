//! The accounts subgraph: users, credentials, access and refresh tokens, roles and
//! permissions. Reads top-down: `schema` translates the API, `service` holds the rules,
//! `store` runs the queries, `entity` maps the tables.

mod entity;
mod events;
mod password;
mod rules;
pub mod schema;
mod service;
mod store;
mod throttle;
mod tokens;

use std::sync::Arc;

use futures::FutureExt;
use micromall_kit::config::AccountsSettings;
use micromall_kit::graphql::federation_sdl;
use micromall_kit::{Runtime, SubgraphDef};
use micromall_migrations::MigratorTrait;
use micromall_migrations::accounts::Migrator;

use crate::service::{Accounts, ensure_admin, ensure_builtin_roles};

pub use events::USER_REGISTERED;

pub static SUBGRAPH: SubgraphDef = SubgraphDef {
    name: "accounts",
    signs_tokens: true,
    migrate: |db| Migrator::up(db, None).boxed(),
    build: |runtime| build(runtime).boxed(),
    sdl: || federation_sdl(&schema::build(None)),
};

async fn build(runtime: Runtime) -> anyhow::Result<axum::Router> {
    let roles = ensure_builtin_roles(&runtime.db).await?;
    let settings = runtime.section::<AccountsSettings>();
    let accounts = Arc::new(Accounts {
        db: runtime.db.clone(),
        outbox: runtime.outbox.clone(),
        passwords: password::Passwords::new(settings)?,
        issuer: runtime.token_issuer()?,
        throttle: throttle::LoginThrottle::new(runtime.counters.clone(), settings.login.clone()),
        registrations: throttle::RegistrationThrottle::new(runtime.counters.clone(), settings),
        refresh_ttl: runtime.jwt().refresh_ttl,
        roles,
    });
    if let (Some(email), Some(password)) = (&settings.admin_email, &settings.admin_password) {
        ensure_admin(&accounts, email, password).await?;
    }
    Ok(runtime.graphql_router(schema::build(Some(accounts))))
}
