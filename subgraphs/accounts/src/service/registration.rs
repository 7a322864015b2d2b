//! Registering a customer.

use std::net::IpAddr;

use chrono::Utc;
use micromall_kit::db::begin_write;
use micromall_kit::outcome::Verdict;
use micromall_kit::{ApiError, DomainError, refuse};
use uuid::Uuid;

use super::{Accounts, lost_race};
use crate::entity::user;
use crate::events;
use crate::refusal::Refusal;
use crate::rules;
use crate::store;

impl Accounts {
    /// Registers a customer; each client address gets a limited number of registrations,
    /// since each costs a password hash.
    pub async fn register(
        &self,
        email: &str,
        password: &str,
        name: &str,
        addr: Option<IpAddr>,
    ) -> Result<user::Model, DomainError<Refusal>> {
        let name = rules::check_registration(email, password, name).or_refuse()?;
        self.registrations.admit(addr).await?;
        let normalized = rules::normalize_email(email);
        // Cheap check first so a taken email costs no hashing; the unique index settles races.
        if store::user_by_email(&self.db, &normalized).await?.is_some() {
            return refuse(Refusal::EmailTaken);
        }
        let password_hash = self
            .passwords
            .hash(password)
            .await
            .map_err(ApiError::from)?;
        let now = Utc::now();
        let txn = begin_write(&self.db).await?;
        let inserted = store::insert_user(
            &txn,
            user::Model {
                id: Uuid::now_v7(),
                email: email.trim().to_owned(),
                email_normalized: normalized,
                name,
                password_hash,
                created_at: now,
                updated_at: now,
            },
        )
        .await;
        let user = match inserted {
            Ok(user) => user,
            Err(err) => {
                txn.rollback().await?;
                return Err(lost_race(err));
            }
        };
        store::grant_role(&txn, user.id, self.roles.customer).await?;
        events::registered(&self.outbox, &txn, &user).await?;
        txn.commit().await?;
        self.outbox.wake();
        Ok(user)
    }
}
