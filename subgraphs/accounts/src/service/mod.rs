//! Accounts' use cases: registration (`registration`), sign-in and token rotation
//! (`sessions`), roles and who holds them (`roles`), the user directory (`users`), and what
//! start-up makes sure of (`bootstrap`). Resolvers call these and only translate.

mod bootstrap;
mod registration;
mod roles;
mod sessions;
mod users;

use std::time::Duration;

use micromall_kit::auth::TokenIssuer;
use micromall_kit::config::AccountsSettings;
use micromall_kit::db::violated;
use micromall_kit::events::outbox::Outbox;
use micromall_kit::{DomainError, Runtime};
use sea_orm::{DatabaseConnection, DbErr};
use uuid::Uuid;

use crate::password::Passwords;
use crate::refusal::Refusal;
use crate::store;
use crate::throttle::{LoginThrottle, RegistrationThrottle};

pub use roles::Holding;
pub use sessions::Session;

/// The built-in roles' ids, fixed once they exist.
#[derive(Debug, Clone, Copy)]
pub struct BuiltinRoles {
    pub customer: Uuid,
    pub admin: Uuid,
}

pub struct Accounts {
    pub db: DatabaseConnection,
    outbox: Outbox,
    passwords: Passwords,
    issuer: TokenIssuer,
    /// Brute-force protection for `login`.
    throttle: LoginThrottle,
    /// Flood protection for `register` (each costs a password hash).
    registrations: RegistrationThrottle,
    refresh_ttl: Duration,
    roles: BuiltinRoles,
}

impl Accounts {
    /// The service, with the built-in roles in place and, when `MICROMALL_ADMIN_EMAIL` /
    /// `MICROMALL_ADMIN_PASSWORD` are set, the first administrator.
    pub async fn open(runtime: &Runtime) -> anyhow::Result<Self> {
        let settings = runtime.section::<AccountsSettings>();
        let roles = bootstrap::ensure_builtin_roles(&runtime.db).await?;
        let accounts = Self {
            db: runtime.db.clone(),
            outbox: runtime.outbox.clone(),
            passwords: Passwords::new(settings)?,
            issuer: runtime.token_issuer()?,
            throttle: LoginThrottle::new(runtime.counters.clone(), settings.login.clone()),
            registrations: RegistrationThrottle::new(runtime.counters.clone(), settings),
            refresh_ttl: runtime.jwt().refresh_ttl,
            roles,
        };
        if let (Some(email), Some(password)) = (&settings.admin_email, &settings.admin_password) {
            accounts.ensure_admin(email, password).await?;
        }
        Ok(accounts)
    }
}

/// A failed write: a race lost on a unique key is the refusal about the field the client
/// sent (the check before the write let it through); anything else a failure.
fn lost_race(err: DbErr) -> DomainError<Refusal> {
    match violated(&err, &store::unique_keys()) {
        Some(refusal) => DomainError::Refused(refusal.clone()),
        None => err.into(),
    }
}
