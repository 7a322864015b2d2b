//! Signing in, rotating refresh tokens and signing out.

use std::net::IpAddr;

use chrono::Utc;
use micromall_kit::auth::IssuedToken;
use micromall_kit::db::begin_write;
use micromall_kit::{ApiError, ApiResult, DomainError, refuse};
use sea_orm::ConnectionTrait;
use uuid::Uuid;

use super::Accounts;
use crate::entity::user;
use crate::refusal::Refusal;
use crate::rules;
use crate::store;
use crate::tokens::{could_be_refresh_token, hash_refresh_token, new_refresh_token};

/// A signed-in session: what `login` and `refreshToken` hand out.
pub struct Session {
    pub user: user::Model,
    pub access: IssuedToken,
    pub refresh_token: String,
}

impl Accounts {
    /// Same answer, and about the same time, for an unknown email and a wrong password.
    pub async fn login(
        &self,
        email: &str,
        password: &str,
        addr: Option<IpAddr>,
    ) -> Result<Session, DomainError<Refusal>> {
        let normalized = rules::normalize_email(email);
        if normalized.len() > rules::MAX_EMAIL_LEN || password.len() > rules::MAX_PASSWORD_BYTES {
            return refuse(Refusal::InvalidCredentials);
        }
        let attempt = self.throttle.admit(&normalized, addr).await?;
        match self.check_password(&normalized, password).await {
            Ok(Some(user)) => {
                self.throttle.succeeded(attempt).await;
                let txn = begin_write(&self.db).await?;
                let session = self.open_session(&txn, user, Uuid::now_v7()).await?;
                txn.commit().await?;
                Ok(session)
            }
            Ok(None) => {
                self.throttle.failed(attempt);
                refuse(Refusal::InvalidCredentials)
            }
            // No verdict (a busy hasher, a database error): the attempt counts for nothing.
            Err(err) => {
                self.throttle.abandoned(attempt).await;
                Err(err.into())
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
    pub async fn refresh(&self, token: &str) -> Result<Session, DomainError<Refusal>> {
        if !could_be_refresh_token(token) {
            return refuse(Refusal::InvalidRefreshToken);
        }
        let txn = begin_write(&self.db).await?;
        let Some(row) = store::refresh_token_by_hash(&txn, &hash_refresh_token(token)).await?
        else {
            return refuse(Refusal::InvalidRefreshToken);
        };
        if row.revoked_at.is_some() || row.expires_at <= Utc::now() {
            return refuse(Refusal::InvalidRefreshToken);
        }
        if !store::claim_refresh_token(&txn, row.id).await? {
            let revoked = store::revoke_family(&txn, row.family_id).await?;
            txn.commit().await?;
            tracing::warn!(user_id = %row.user_id, family = %row.family_id, revoked, "refresh token reused: family revoked");
            return refuse(Refusal::InvalidRefreshToken);
        }
        let Some(user) = store::user_by_id(&txn, row.user_id).await? else {
            return refuse(Refusal::InvalidRefreshToken);
        };
        let session = self.open_session(&txn, user, row.family_id).await?;
        txn.commit().await?;
        Ok(session)
    }

    /// Ends the session the refresh token belongs to. `false` when there was none.
    pub async fn logout(&self, token: &str) -> ApiResult<bool> {
        if !could_be_refresh_token(token) {
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
}
