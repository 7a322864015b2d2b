//! The accounts rules: registration, sign-in, token rotation, roles. Resolvers call these
//! and only translate; every rule lives here once.

use std::collections::BTreeSet;
use std::net::IpAddr;
use std::time::Duration;

use chrono::Utc;
use micromall_kit::auth::{IssuedToken, PERMISSIONS, TokenIssuer};
use micromall_kit::db::{begin_write, is_unique_violation};
use micromall_kit::events::outbox::Outbox;
use micromall_kit::pagination::PageRequest;
use micromall_kit::{ApiError, ApiResult, UserError};
use sea_orm::{ConnectionTrait, DatabaseConnection};
use serde_json::json;
use uuid::Uuid;

use crate::entity::user;
use crate::events::USER_REGISTERED;
use crate::password::Passwords;
use crate::rules;
use crate::store::{self, RoleView};
use crate::throttle::{LoginThrottle, RegistrationThrottle};
use crate::tokens::{MAX_REFRESH_TOKEN_LEN, hash_refresh_token, new_refresh_token};

/// A business outcome: the value, or the user errors the contract names.
pub type Outcome<T> = Result<T, Vec<UserError>>;

pub const CUSTOMER_ROLE: &str = "customer";
pub const ADMIN_ROLE: &str = "admin";

/// A signed-in session: what `login` and `refreshToken` hand out.
pub struct Session {
    pub user: user::Model,
    pub access: IssuedToken,
    pub refresh_token: String,
}

/// The built-in roles' ids, fixed once they exist.
#[derive(Debug, Clone, Copy)]
pub struct BuiltinRoles {
    pub customer: Uuid,
    pub admin: Uuid,
}

pub struct Accounts {
    pub db: DatabaseConnection,
    pub outbox: Outbox,
    pub passwords: Passwords,
    pub issuer: TokenIssuer,
    pub throttle: LoginThrottle,
    pub registrations: RegistrationThrottle,
    pub refresh_ttl: Duration,
    pub roles: BuiltinRoles,
}

fn one(error: UserError) -> Vec<UserError> {
    vec![error]
}

impl Accounts {
    /// Registers a customer; each client address gets a limited number of registrations,
    /// since each costs a password hash.
    pub async fn register(
        &self,
        email: &str,
        password: &str,
        name: &str,
        addr: Option<IpAddr>,
    ) -> ApiResult<Outcome<user::Model>> {
        let mut errors = Vec::new();
        let name = rules::clean_name(name).map_err(|e| errors.push(e)).ok();
        if let Err(e) = rules::check_email(email) {
            errors.push(e);
        }
        if let Err(e) = rules::check_password(password) {
            errors.push(e);
        }
        let Some(name) = name.filter(|_| errors.is_empty()) else {
            return Ok(Err(errors));
        };
        self.registrations.admit(addr).await?;
        let normalized = rules::normalize_email(email);
        let taken = || {
            Ok(Err(one(UserError::new(
                "EMAIL_TAKEN",
                "an account with this email exists",
            )
            .at(&["input", "email"]))))
        };
        // Cheap check first so a taken email costs no hashing; the unique index settles races.
        if store::user_by_email(&self.db, &normalized).await?.is_some() {
            return taken();
        }
        let password_hash = self.passwords.hash(password).await?;
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
            Err(err) if is_unique_violation(&err) => {
                txn.rollback().await?;
                return taken();
            }
            Err(err) => return Err(err.into()),
        };
        store::grant_role(&txn, user.id, self.roles.customer).await?;
        self.outbox
            .enqueue(
                &txn,
                USER_REGISTERED,
                &json!({ "userId": user.id, "name": user.name }),
            )
            .await?;
        txn.commit().await?;
        self.outbox.wake();
        Ok(Ok(user))
    }

    /// Same answer, and about the same time, for an unknown email and a wrong password.
    pub async fn login(
        &self,
        email: &str,
        password: &str,
        addr: Option<IpAddr>,
    ) -> ApiResult<Outcome<Session>> {
        let normalized = rules::normalize_email(email);
        let invalid = || {
            Ok(Err(one(UserError::new(
                "INVALID_CREDENTIALS",
                "email or password is incorrect",
            ))))
        };
        if normalized.len() > rules::MAX_EMAIL_LEN || password.len() > rules::MAX_PASSWORD_BYTES {
            return invalid();
        }
        let attempt = self.throttle.admit(&normalized, addr).await?;
        match self.check_password(&normalized, password).await {
            Ok(Some(user)) => {
                self.throttle.succeeded(attempt).await;
                let txn = begin_write(&self.db).await?;
                let session = self.open_session(&txn, user, Uuid::now_v7()).await?;
                txn.commit().await?;
                Ok(Ok(session))
            }
            Ok(None) => {
                self.throttle.failed(attempt);
                invalid()
            }
            // No verdict (a busy hasher, a database error): the attempt counts for nothing.
            Err(err) => {
                self.throttle.abandoned(attempt).await;
                Err(err)
            }
        }
    }

    /// The account, if `password` is its password; unknown emails take as long.
    async fn check_password(
        &self,
        email_normalized: &str,
        password: &str,
    ) -> ApiResult<Option<user::Model>> {
        let user = store::user_by_email(&self.db, email_normalized).await?;
        let matches = self
            .passwords
            .verify(password, user.as_ref().map(|u| u.password_hash.as_str()))
            .await?;
        Ok(user.filter(|_| matches))
    }

    /// Rotates a refresh token. A token presented a second time is a sign of theft: the
    /// whole family (every token descended from that login) is revoked.
    pub async fn refresh(&self, token: &str) -> ApiResult<Outcome<Session>> {
        let invalid = || {
            Ok(Err(one(UserError::new(
                "INVALID_REFRESH_TOKEN",
                "refresh token is invalid, expired or already used",
            )
            .at(&["refreshToken"]))))
        };
        if token.is_empty() || token.len() > MAX_REFRESH_TOKEN_LEN {
            return invalid();
        }
        let txn = begin_write(&self.db).await?;
        let Some(row) = store::refresh_token_by_hash(&txn, &hash_refresh_token(token)).await?
        else {
            return invalid();
        };
        if row.revoked_at.is_some() || row.expires_at <= Utc::now() {
            return invalid();
        }
        if !store::claim_refresh_token(&txn, row.id).await? {
            let revoked = store::revoke_family(&txn, row.family_id).await?;
            txn.commit().await?;
            tracing::warn!(user_id = %row.user_id, family = %row.family_id, revoked, "refresh token reused: family revoked");
            return invalid();
        }
        let Some(user) = store::user_by_id(&txn, row.user_id).await? else {
            return invalid();
        };
        let session = self.open_session(&txn, user, row.family_id).await?;
        txn.commit().await?;
        Ok(Ok(session))
    }

    /// Ends the session the refresh token belongs to. `false` when there was none.
    pub async fn logout(&self, token: &str) -> ApiResult<bool> {
        if token.is_empty() || token.len() > MAX_REFRESH_TOKEN_LEN {
            return Ok(false);
        }
        let txn = begin_write(&self.db).await?;
        let Some(row) = store::refresh_token_by_hash(&txn, &hash_refresh_token(token)).await?
        else {
            return Ok(false);
        };
        let revoked = store::revoke_family(&txn, row.family_id).await?;
        txn.commit().await?;
        Ok(revoked > 0)
    }

    async fn open_session(
        &self,
        conn: &impl ConnectionTrait,
        user: user::Model,
        family: Uuid,
    ) -> ApiResult<Session> {
        let scopes = store::scopes_of(conn, user.id).await?;
        let access = self
            .issuer
            .issue(user.id, &scopes)
            .map_err(ApiError::internal)?;
        let refresh_token = new_refresh_token();
        let expires_at = Utc::now()
            + chrono::Duration::from_std(self.refresh_ttl).map_err(ApiError::internal)?;
        store::insert_refresh_token(
            conn,
            user.id,
            family,
            hash_refresh_token(&refresh_token),
            expires_at,
        )
        .await?;
        Ok(Session {
            user,
            access,
            refresh_token,
        })
    }

    pub async fn list_users(
        &self,
        search: Option<&str>,
        page: &PageRequest,
    ) -> ApiResult<(Vec<user::Model>, u64)> {
        let after = page
            .after
            .as_deref()
            .map(Uuid::parse_str)
            .transpose()
            .map_err(|_| ApiError::bad_input("`after` is not a valid cursor"))?;
        let search = search.map(|s| s.chars().take(rules::MAX_EMAIL_LEN).collect::<String>());
        Ok(store::list_users(&self.db, search.as_deref(), after, page.fetch_limit()).await?)
    }

    pub async fn roles(&self) -> ApiResult<Vec<RoleView>> {
        Ok(store::all_roles(&self.db).await?)
    }

    pub async fn create_role(
        &self,
        name: &str,
        permissions: &[String],
    ) -> ApiResult<Outcome<RoleView>> {
        let name = name.trim();
        let mut errors = Vec::new();
        if let Err(e) = rules::check_role_name(name) {
            errors.push(e);
        }
        if let Err(e) = rules::check_permissions(permissions) {
            errors.push(e);
        }
        if !errors.is_empty() {
            return Ok(Err(errors));
        }
        let taken = || {
            Ok(Err(one(UserError::new(
                "NAME_TAKEN",
                "a role with this name exists",
            )
            .at(&["input", "name"]))))
        };
        let permissions: BTreeSet<String> = permissions.iter().cloned().collect();
        let txn = begin_write(&self.db).await?;
        if store::role_by_name(&txn, name).await?.is_some() {
            return taken();
        }
        match store::insert_role(&txn, name, false, &permissions).await {
            Ok(role) => {
                txn.commit().await?;
                Ok(Ok(role))
            }
            Err(err) if is_unique_violation(&err) => taken(),
            Err(err) => Err(err.into()),
        }
    }

    pub async fn assign_role(
        &self,
        user_id: &str,
        role_id: &str,
    ) -> ApiResult<Outcome<user::Model>> {
        let txn = begin_write(&self.db).await?;
        let (user, role) = match self.find_user_and_role(&txn, user_id, role_id).await? {
            Ok(found) => found,
            Err(errors) => return Ok(Err(errors)),
        };
        store::grant_role(&txn, user.id, role).await?;
        txn.commit().await?;
        Ok(Ok(user))
    }

    /// Revokes a role. The last holder of `admin` keeps it, so the shop is never left
    /// without anyone who can manage users. Revocations of `admin` take turns (the role's row
    /// is locked on PostgreSQL; SQLite's write transactions take turns anyway): two admins
    /// revoking each other at once would otherwise both count two holders and both succeed.
    pub async fn revoke_role(
        &self,
        user_id: &str,
        role_id: &str,
    ) -> ApiResult<Outcome<user::Model>> {
        let txn = begin_write(&self.db).await?;
        let (user, role) = match self.find_user_and_role(&txn, user_id, role_id).await? {
            Ok(found) => found,
            Err(errors) => return Ok(Err(errors)),
        };
        if role == self.roles.admin {
            store::lock_role(&txn, role).await?;
            let holds = store::roles_by_user(&txn, &[user.id])
                .await?
                .values()
                .flatten()
                .any(|r| r.id == role);
            if holds && store::holders_of_role(&txn, role).await? <= 1 {
                return Ok(Err(one(UserError::new(
                    "LAST_ADMIN",
                    "the last administrator cannot lose the admin role",
                )
                .at(&["roleId"]))));
            }
        }
        store::remove_role(&txn, user.id, role).await?;
        txn.commit().await?;
        Ok(Ok(user))
    }

    async fn find_user_and_role(
        &self,
        conn: &impl ConnectionTrait,
        user_id: &str,
        role_id: &str,
    ) -> ApiResult<Outcome<(user::Model, Uuid)>> {
        let mut errors = Vec::new();
        let user = match Uuid::parse_str(user_id) {
            Ok(id) => store::user_by_id(conn, id).await?,
            Err(_) => None,
        };
        if user.is_none() {
            errors.push(UserError::new("NOT_FOUND", "no such user").at(&["userId"]));
        }
        let role = match Uuid::parse_str(role_id) {
            Ok(id) => store::role_by_id(conn, id).await?,
            Err(_) => None,
        };
        if role.is_none() {
            errors.push(UserError::new("NOT_FOUND", "no such role").at(&["roleId"]));
        }
        Ok(match (user, role) {
            (Some(user), Some(role)) => Ok((user, role.id)),
            _ => Err(errors),
        })
    }
}

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

/// The first administrator, from `MICROMALL_ADMIN_EMAIL` / `MICROMALL_ADMIN_PASSWORD`:
/// created when missing and granted `admin`. An account that exists already belongs to
/// whoever registered it: it is granted `admin` only if its password is the configured one,
/// otherwise start-up fails (anyone could have registered that email first, with their own
/// password, to be made administrator). The passwords are never logged.
pub async fn ensure_admin(accounts: &Accounts, email: &str, password: &str) -> anyhow::Result<()> {
    let normalized = rules::normalize_email(email);
    let user = match store::user_by_email(&accounts.db, &normalized).await? {
        Some(user) => user,
        None => match accounts
            .register(email, password, "Administrator", None)
            .await
            .map_err(|e| anyhow::anyhow!("creating the administrator failed: {e:?}"))?
        {
            Ok(user) => user,
            // Another replica created it first (`EMAIL_TAKEN`), or the values are invalid.
            Err(errors) => match store::user_by_email(&accounts.db, &normalized).await? {
                Some(user) => user,
                None => {
                    let reasons: Vec<String> = errors.into_iter().map(|e| e.message).collect();
                    anyhow::bail!(
                        "MICROMALL_ADMIN_EMAIL/PASSWORD rejected: {}",
                        reasons.join("; ")
                    );
                }
            },
        },
    };
    let matches = accounts
        .passwords
        .verify(password, Some(&user.password_hash))
        .await
        .map_err(|e| anyhow::anyhow!("checking the administrator's password failed: {e}"))?;
    if !matches {
        tracing::error!(user_id = %user.id, "MICROMALL_ADMIN_EMAIL names an account whose password differs: not granting admin");
        anyhow::bail!(
            "MICROMALL_ADMIN_EMAIL names an existing account ({email}) whose password does not \
             match MICROMALL_ADMIN_PASSWORD; refusing to make it an administrator. If the account \
             is yours, set MICROMALL_ADMIN_PASSWORD to its password; otherwise choose another \
             MICROMALL_ADMIN_EMAIL"
        );
    }
    store::grant_role(&accounts.db, user.id, accounts.roles.admin).await?;
    tracing::info!(user_id = %user.id, "administrator account ready");
    Ok(())
}
