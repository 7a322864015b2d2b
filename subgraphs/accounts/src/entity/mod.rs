//! sea-orm models of the accounts tables.

pub mod refresh_token;
pub mod role;
pub mod role_permission;
pub mod user;
pub mod user_role;
