//! Idempotency keys (conventions.md): the same key with the same input returns the first
//! result; the same key with a different input is a conflict. Keys are scoped per user and
//! operation and kept (at least 24 hours; today, for good).
//!
//! The first request claims the key by inserting its row; a concurrent repeat waits until
//! the first finishes. The operation records its result id in the same transaction that
//! creates the result (`complete`), so a crash leaves either both or neither. A request that
//! fails without a result frees the key (`forget`) so the customer can retry with it.
//!
//! A claim is a lease: its request renews it while it runs, so a claim not renewed for
//! `LEASE` belongs to a process that died mid-request (a crash, a killed replica), and a
//! repeat takes the key over within seconds instead of being refused for minutes.

use std::time::Duration;

use chrono::{TimeDelta, Utc};
use sea_orm::entity::prelude::*;
use sea_orm::sea_query::Expr;
use sea_orm::{ConnectionTrait, DatabaseConnection, Set};
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::db::is_unique_violation;
use crate::error::{ApiError, ApiResult};
use crate::outcome::DomainError;

mod entity {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "idempotency_keys")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub user_id: Uuid,
        #[sea_orm(primary_key, auto_increment = false)]
        pub operation: String,
        #[sea_orm(primary_key, auto_increment = false)]
        pub key: String,
        pub request_hash: String,
        pub result_id: Option<Uuid>,
        /// When the key was claimed, or its claim last renewed by the request running it.
        pub created_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub const MAX_KEY_LEN: usize = 200;
/// How long a repeat waits for the first request with its key to finish.
const REPEAT_WAIT: Duration = Duration::from_secs(20);
/// A claim without a result and not renewed for this long belongs to a request that died.
/// Its request renews it every `RENEW_EVERY` however long it runs, so a slow request is
/// never taken over and run twice.
const LEASE: TimeDelta = TimeDelta::seconds(15);
const RENEW_EVERY: Duration = Duration::from_secs(3);

/// One use of a key: who, for what operation, which key, and the request's fingerprint.
pub struct KeyUse<'a> {
    pub user_id: Uuid,
    pub operation: &'static str,
    pub key: &'a str,
    pub request_hash: String,
}

impl<'a> KeyUse<'a> {
    /// Checks the key (1..=200 characters after trimming) and fingerprints the request.
    pub fn new(
        user_id: Uuid,
        operation: &'static str,
        key: &'a str,
        request: &impl Serialize,
    ) -> ApiResult<Self> {
        let key = key.trim();
        if key.is_empty() || key.len() > MAX_KEY_LEN {
            return Err(ApiError::bad_input(format!(
                "`idempotencyKey` must be 1 to {MAX_KEY_LEN} characters"
            )));
        }
        let canonical = serde_json::to_vec(request).map_err(ApiError::internal)?;
        Ok(Self {
            user_id,
            operation,
            key,
            request_hash: hex::encode(Sha256::digest(&canonical)),
        })
    }
}

pub enum Claim {
    /// This request owns the key: do the work, then `complete` it.
    Fresh,
    /// A request with the same input already produced this result.
    Done(Uuid),
    /// The key was used for a different request.
    Conflict,
}

/// Claims the key, or reports the earlier outcome (waiting for it if still in progress).
pub async fn claim(db: &DatabaseConnection, key: &KeyUse<'_>) -> ApiResult<Claim> {
    let deadline = tokio::time::Instant::now() + REPEAT_WAIT;
    loop {
        let inserted = entity::ActiveModel {
            user_id: Set(key.user_id),
            operation: Set(key.operation.to_owned()),
            key: Set(key.key.to_owned()),
            request_hash: Set(key.request_hash.clone()),
            result_id: Set(None),
            created_at: Set(Utc::now()),
        }
        .insert(db)
        .await;
        match inserted {
            Ok(_) => return Ok(Claim::Fresh),
            Err(err) if is_unique_violation(&err) => {}
            Err(err) => return Err(err.into()),
        }
        let existing =
            entity::Entity::find_by_id((key.user_id, key.operation.to_owned(), key.key.to_owned()))
                .one(db)
                .await?;
        let Some(existing) = existing else { continue };
        if existing.request_hash != key.request_hash {
            return Ok(Claim::Conflict);
        }
        if let Some(result) = existing.result_id {
            return Ok(Claim::Done(result));
        }
        if existing.created_at < Utc::now() - LEASE {
            unclaimed(key)
                .filter(entity::Column::CreatedAt.eq(existing.created_at))
                .exec(db)
                .await?;
            continue;
        }
        if tokio::time::Instant::now() > deadline {
            return Err(ApiError::internal(anyhow::anyhow!(
                "a {} with this idempotency key is still in progress",
                key.operation
            )));
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// The idempotent-operation sequence, for a use case that creates one thing per key:
/// a repeat gets what the first request made (`repeat`, given its id), a key used for a
/// different request is refused with `conflict`, and a fresh request runs (`run`, which
/// calls [`complete`] in the transaction that creates its result). A fresh request that
/// ends without a result frees the key, so the client can retry with it.
pub async fn once<T, R, Repeat, Run>(
    db: &DatabaseConnection,
    key: &KeyUse<'_>,
    conflict: impl FnOnce() -> R,
    repeat: impl FnOnce(Uuid) -> Repeat,
    run: impl FnOnce() -> Run,
) -> Result<T, DomainError<R>>
where
    Repeat: Future<Output = Result<T, DomainError<R>>>,
    Run: Future<Output = Result<T, DomainError<R>>>,
{
    match claim(db, key).await? {
        Claim::Done(result) => repeat(result).await,
        Claim::Conflict => Err(DomainError::Refused(conflict())),
        Claim::Fresh => {
            let run = run();
            tokio::pin!(run);
            let mut renew = tokio::time::interval(RENEW_EVERY);
            renew.tick().await;
            let outcome = loop {
                tokio::select! {
                    outcome = &mut run => break outcome,
                    _ = renew.tick() => renewed(db, key).await,
                }
            };
            if outcome.is_err() {
                forget(db, key).await;
            }
            outcome
        }
    }
}

/// Records the result, in the transaction that creates it.
pub async fn complete<C: ConnectionTrait>(
    conn: &C,
    key: &KeyUse<'_>,
    result_id: Uuid,
) -> Result<(), DbErr> {
    entity::Entity::update_many()
        .col_expr(entity::Column::ResultId, Expr::value(result_id))
        .filter(entity::Column::UserId.eq(key.user_id))
        .filter(entity::Column::Operation.eq(key.operation))
        .filter(entity::Column::Key.eq(key.key))
        .exec(conn)
        .await?;
    Ok(())
}

/// Renews the claim of a request still running.
async fn renewed(db: &DatabaseConnection, key: &KeyUse<'_>) {
    let renewal = entity::Entity::update_many()
        .col_expr(entity::Column::CreatedAt, Expr::value(Utc::now()))
        .filter(entity::Column::UserId.eq(key.user_id))
        .filter(entity::Column::Operation.eq(key.operation))
        .filter(entity::Column::Key.eq(key.key))
        .filter(entity::Column::ResultId.is_null())
        .exec(db)
        .await;
    if let Err(err) = renewal {
        tracing::warn!(error = %err, operation = key.operation, "could not renew an idempotency claim");
    }
}

/// Frees a key whose request ended without a result.
pub async fn forget(db: &DatabaseConnection, key: &KeyUse<'_>) {
    if let Err(err) = unclaimed(key).exec(db).await {
        tracing::warn!(error = %err, operation = key.operation, "could not free an idempotency key");
    }
}

fn unclaimed(key: &KeyUse<'_>) -> sea_orm::DeleteMany<entity::Entity> {
    entity::Entity::delete_many()
        .filter(entity::Column::UserId.eq(key.user_id))
        .filter(entity::Column::Operation.eq(key.operation))
        .filter(entity::Column::Key.eq(key.key))
        .filter(entity::Column::ResultId.is_null())
}
