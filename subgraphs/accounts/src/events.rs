//! What accounts tells other domains. It consumes nothing yet.

use micromall_kit::events::outbox::Outbox;
use sea_orm::{ConnectionTrait, DbErr};
use serde_json::json;

use crate::entity::user;

/// A new account exists. Payload: `{ userId, name }` (no email: events are not for PII).
pub const USER_REGISTERED: &str = "accounts.user.registered";

/// Announces `user` in the transaction that made it: published only if that commits.
pub async fn registered(
    outbox: &Outbox,
    txn: &impl ConnectionTrait,
    user: &user::Model,
) -> Result<(), DbErr> {
    let payload = json!({ "userId": user.id, "name": user.name });
    outbox.enqueue(txn, USER_REGISTERED, &payload).await?;
    Ok(())
}
