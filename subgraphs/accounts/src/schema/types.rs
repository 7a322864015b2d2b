//! API types of the accounts section of the contract.

use async_graphql::dataloader::DataLoader;
use async_graphql::{Context, ID, InputObject, Object, Result, SimpleObject};
use chrono::{DateTime, Utc};
use micromall_kit::graphql::viewer;
use micromall_kit::outcome::Payload;
use micromall_kit::{ApiError, UserError};

use super::loaders::RolesLoader;
use crate::entity::user;
use crate::service::Session;
use crate::store::RoleView;

/// A user. `email` and `roles` are private: the user themself, `users:manage`, or a payload
/// that answers the user's own sign-up or sign-in may see them.
pub struct User {
    pub model: user::Model,
    /// Set on payloads that answer the user's own request (register, login, refresh).
    pub disclosed: bool,
}

impl User {
    pub fn new(model: user::Model) -> Self {
        Self {
            model,
            disclosed: false,
        }
    }

    pub fn disclosed(model: user::Model) -> Self {
        Self {
            model,
            disclosed: true,
        }
    }

    fn check_private(&self, ctx: &Context<'_>) -> Result<(), ApiError> {
        if self.disclosed || viewer(ctx).is_self_or(self.model.id, "users:manage") {
            Ok(())
        } else {
            Err(ApiError::forbidden())
        }
    }
}

#[Object]
impl User {
    async fn id(&self) -> ID {
        ID(self.model.id.to_string())
    }

    /// Only the user themself and `users:manage`; others get FORBIDDEN.
    async fn email(&self, ctx: &Context<'_>) -> Result<&str> {
        self.check_private(ctx)?;
        Ok(&self.model.email)
    }

    async fn name(&self) -> &str {
        &self.model.name
    }

    async fn roles(&self, ctx: &Context<'_>) -> Result<Vec<Role>> {
        self.check_private(ctx)?;
        let roles = ctx
            .data_unchecked::<DataLoader<RolesLoader>>()
            .load_one(self.model.id)
            .await?
            .unwrap_or_default();
        Ok(roles.into_iter().map(Role::from).collect())
    }

    async fn created_at(&self) -> DateTime<Utc> {
        self.model.created_at
    }
}

#[derive(SimpleObject)]
pub struct Role {
    pub id: ID,
    pub name: String,
    /// e.g. "catalog:write"; see conventions.md.
    pub permissions: Vec<String>,
}

impl From<RoleView> for Role {
    fn from(role: RoleView) -> Self {
        Self {
            id: ID(role.id.to_string()),
            name: role.name,
            permissions: role.permissions,
        }
    }
}

#[derive(InputObject)]
pub struct RegisterInput {
    pub email: String,
    pub password: String,
    pub name: String,
}

#[derive(InputObject)]
pub struct LoginInput {
    pub email: String,
    pub password: String,
}

#[derive(InputObject)]
pub struct CreateRoleInput {
    pub name: String,
    pub permissions: Vec<String>,
}

micromall_kit::payload!(
    /// codes: INVALID_EMAIL, EMAIL_TAKEN, WEAK_PASSWORD, INVALID_NAME
    RegisterPayload,
    user: User
);

/// codes: INVALID_CREDENTIALS, INVALID_REFRESH_TOKEN
#[derive(SimpleObject, Default)]
pub struct AuthPayload {
    pub access_token: Option<String>,
    pub refresh_token: Option<String>,
    /// Of the access token.
    pub expires_at: Option<DateTime<Utc>>,
    pub user: Option<User>,
    pub user_errors: Vec<UserError>,
}

/// A signed-in session fills every field; the user is the caller, who may see it all.
impl Payload for AuthPayload {
    type Value = Session;

    fn done(session: Session) -> Self {
        Self {
            access_token: Some(session.access.token),
            refresh_token: Some(session.refresh_token),
            expires_at: Some(session.access.expires_at),
            user: Some(User::disclosed(session.user)),
            user_errors: Vec::new(),
        }
    }

    fn refused(user_errors: Vec<UserError>) -> Self {
        Self {
            user_errors,
            ..Self::default()
        }
    }
}

micromall_kit::payload!(
    /// codes: INVALID_NAME, NAME_TAKEN, INVALID_PERMISSION
    RolePayload,
    role: Role
);

micromall_kit::payload!(
    /// codes: NOT_FOUND, LAST_ADMIN
    UserPayload,
    user: User
);
