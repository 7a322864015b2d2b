//! What accounts tells other domains. It consumes nothing yet.

/// A new account exists. Payload: `{ userId, name }` (no email: events are not for PII).
pub const USER_REGISTERED: &str = "accounts.user.registered";
