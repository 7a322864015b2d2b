//! What start-up makes sure of: the built-in roles, and the first administrator.

use std::collections::BTreeSet;

use micromall_kit::auth::PERMISSIONS;
use micromall_kit::db::{begin_write, is_unique_violation};
use micromall_kit::{DomainError, DomainRefusal};
use sea_orm::DatabaseConnection;
use uuid::Uuid;

use super::{Accounts, BuiltinRoles};
use crate::entity::user;
use crate::rules;
use crate::store;

const CUSTOMER_ROLE: &str = "customer";
const ADMIN_ROLE: &str = "admin";

/// Makes sure the built-in roles exist with the right permissions (safe to run from several
/// replicas at once).
pub async fn ensure_builtin_roles(db: &DatabaseConnection) -> anyhow::Result<BuiltinRoles> {
    let all: BTreeSet<String> = PERMISSIONS.iter().map(|p| (*p).to_owned()).collect();
    let customer = ensure_role(db, CUSTOMER_ROLE, &BTreeSet::new()).await?;
    let admin = ensure_role(db, ADMIN_ROLE, &all).await?;
    Ok(BuiltinRoles { customer, admin })
}

async fn ensure_role(
    db: &DatabaseConnection,
    name: &str,
    permissions: &BTreeSet<String>,
) -> anyhow::Result<Uuid> {
    for _ in 0..3 {
        let txn = begin_write(db).await?;
        if let Some(role) = store::role_by_name(&txn, name).await? {
            store::set_permissions(&txn, role.id, permissions).await?;
            txn.commit().await?;
            return Ok(role.id);
        }
        match store::insert_role(&txn, name, true, permissions).await {
            Ok(role) => {
                txn.commit().await?;
                return Ok(role.id);
            }
            // Another replica created it first: read it on the next round.
            Err(err) if is_unique_violation(&err) => continue,
            Err(err) => return Err(err.into()),
        }
    }
    anyhow::bail!("could not create the built-in role {name}")
}

impl Accounts {
    /// The first administrator, from `MICROMALL_ADMIN_EMAIL` / `MICROMALL_ADMIN_PASSWORD`:
    /// created when missing and granted `admin`. An account that exists already belongs to
    /// whoever registered it: it is granted `admin` only if its password is the configured
    /// one, otherwise start-up fails (anyone could have registered that email first, with
    /// their own password, to be made administrator). The passwords are never logged.
    pub(super) async fn ensure_admin(&self, email: &str, password: &str) -> anyhow::Result<()> {
        let user = self.administrator_account(email, password).await?;
        let matches = self
            .passwords
            .verify(password, Some(&user.password_hash))
            .await
            .map_err(|e| anyhow::anyhow!("checking the administrator's password failed: {e}"))?;
        if !matches {
            tracing::error!(user_id = %user.id, "MICROMALL_ADMIN_EMAIL names an account whose password differs: not granting admin");
            anyhow::bail!(
                "MICROMALL_ADMIN_EMAIL names an existing account ({email}) whose password does \
                 not match MICROMALL_ADMIN_PASSWORD; refusing to make it an administrator. If the \
                 account is yours, set MICROMALL_ADMIN_PASSWORD to its password; otherwise \
                 choose another MICROMALL_ADMIN_EMAIL"
            );
        }
        store::grant_role(&self.db, user.id, self.roles.admin).await?;
        tracing::info!(user_id = %user.id, "administrator account ready");
        Ok(())
    }

    /// The account of the configured email, registered when there is none yet.
    async fn administrator_account(
        &self,
        email: &str,
        password: &str,
    ) -> anyhow::Result<user::Model> {
        let normalized = rules::normalize_email(email);
        if let Some(user) = store::user_by_email(&self.db, &normalized).await? {
            return Ok(user);
        }
        match self.register(email, password, "Administrator", None).await {
            Ok(user) => Ok(user),
            Err(DomainError::Failed(e)) => {
                anyhow::bail!("creating the administrator failed: {e:?}")
            }
            // Another replica created it first (`EMAIL_TAKEN`), or the values are invalid.
            Err(DomainError::Refused(refusal)) => {
                match store::user_by_email(&self.db, &normalized).await? {
                    Some(user) => Ok(user),
                    None => {
                        let reasons: Vec<String> = refusal
                            .user_errors()
                            .into_iter()
                            .map(|e| e.message)
                            .collect();
                        anyhow::bail!(
                            "MICROMALL_ADMIN_EMAIL/PASSWORD rejected: {}",
                            reasons.join("; ")
                        );
                    }
                }
            }
        }
    }
}
