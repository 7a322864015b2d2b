//! The user directory, for those who manage users.

use micromall_kit::pagination::PageRequest;
use micromall_kit::{ApiError, ApiResult};
use uuid::Uuid;

use super::Accounts;
use crate::entity::user;
use crate::rules;
use crate::store;

impl Accounts {
    /// A page of users in sign-up order, optionally matching `search` in email or name, and
    /// how many match in all.
    pub async fn list_users(
        &self,
        search: Option<&str>,
        page: &PageRequest,
    ) -> ApiResult<(Vec<user::Model>, u64)> {
        let after = start_after(page)?;
        let search = search.map(|s| s.chars().take(rules::MAX_EMAIL_LEN).collect::<String>());
        Ok(store::list_users(&self.db, search.as_deref(), after, page.fetch_limit()).await?)
    }
}

/// The id of the user a page starts after: cursors are user ids, in id (sign-up) order.
fn start_after(page: &PageRequest) -> ApiResult<Option<Uuid>> {
    let Some(cursor) = page.after.as_deref() else {
        return Ok(None);
    };
    let id = Uuid::parse_str(cursor)
        .map_err(|_| ApiError::bad_input("`after` is not a valid cursor"))?;
    Ok(Some(id))
}
