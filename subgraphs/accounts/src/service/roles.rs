//! Roles, and who holds them.

use std::collections::BTreeSet;

use micromall_kit::db::begin_write;
use micromall_kit::outcome::Verdict;
use micromall_kit::{ApiResult, DomainError, refuse};
use sea_orm::{ConnectionTrait, DbErr};
use uuid::Uuid;

use super::{Accounts, lost_race};
use crate::entity::user;
use crate::refusal::Refusal;
use crate::rules;
use crate::store::{self, RoleView};

/// What to do about a user holding a role: `assignRole` or `revokeRole`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Holding {
    Grant,
    Revoke,
}

impl Accounts {
    /// Every role with its permissions.
    pub async fn roles(&self) -> ApiResult<Vec<RoleView>> {
        Ok(store::all_roles(&self.db).await?)
    }

    pub async fn create_role(
        &self,
        name: &str,
        permissions: &[String],
    ) -> Result<RoleView, DomainError<Refusal>> {
        let name = name.trim();
        rules::check_role(name, permissions).or_refuse()?;
        let permissions: BTreeSet<String> = permissions.iter().cloned().collect();
        let txn = begin_write(&self.db).await?;
        if store::role_by_name(&txn, name).await?.is_some() {
            return refuse(Refusal::RoleNameTaken);
        }
        let role = store::insert_role(&txn, name, false, &permissions)
            .await
            .map_err(lost_race)?;
        txn.commit().await?;
        Ok(role)
    }

    /// Grants or revokes a role. The last holder of `admin` keeps it, so the shop is never
    /// left without anyone who can manage users. Revocations of `admin` take turns (the
    /// role's row is locked on PostgreSQL; SQLite's write transactions take turns anyway):
    /// two admins revoking each other at once would otherwise both count two holders and
    /// both succeed.
    pub async fn change_holding(
        &self,
        user_id: &str,
        role_id: &str,
        change: Holding,
    ) -> Result<user::Model, DomainError<Refusal>> {
        let txn = begin_write(&self.db).await?;
        let (user, role) = find_user_and_role(&txn, user_id, role_id).await?;
        match change {
            Holding::Grant => store::grant_role(&txn, user.id, role).await?,
            Holding::Revoke => {
                if role == self.roles.admin && self.last_admin(&txn, user.id).await? {
                    return refuse(Refusal::LastAdmin);
                }
                store::remove_role(&txn, user.id, role).await?;
            }
        }
        txn.commit().await?;
        Ok(user)
    }

    /// Whether `user` is the only holder of `admin`; locks the role for the transaction.
    async fn last_admin(&self, txn: &impl ConnectionTrait, user: Uuid) -> Result<bool, DbErr> {
        let admin = self.roles.admin;
        store::lock_role(txn, admin).await?;
        let holds = store::roles_by_user(txn, &[user])
            .await?
            .values()
            .flatten()
            .any(|r| r.id == admin);
        Ok(holds && store::holders_of_role(txn, admin).await? <= 1)
    }
}

/// The user and the role the ids name; each one missing is reported.
async fn find_user_and_role(
    conn: &impl ConnectionTrait,
    user_id: &str,
    role_id: &str,
) -> Result<(user::Model, Uuid), DomainError<Refusal>> {
    let user = match Uuid::parse_str(user_id) {
        Ok(id) => store::user_by_id(conn, id).await?,
        Err(_) => None,
    };
    let role = match Uuid::parse_str(role_id) {
        Ok(id) => store::role_by_id(conn, id).await?,
        Err(_) => None,
    };
    match (user, role) {
        (Some(user), Some(role)) => Ok((user, role.id)),
        (Some(_), None) => refuse(Refusal::UnknownRole),
        (None, Some(_)) => refuse(Refusal::UnknownUser),
        (None, None) => refuse(Refusal::Several(vec![
            Refusal::UnknownUser,
            Refusal::UnknownRole,
        ])),
    }
}
