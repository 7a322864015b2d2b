use std::sync::Arc;

use async_graphql::{Context, ID, Object, Result};
use micromall_kit::graphql::{client_addr, viewer};

use super::types::{
    AuthPayload, CreateRoleInput, LoginInput, RegisterInput, RegisterPayload, Role, RolePayload,
    User, UserPayload,
};
use crate::service::{Accounts, Outcome, Session};

pub struct Mutation;

fn accounts<'a>(ctx: &'a Context<'_>) -> &'a Accounts {
    ctx.data_unchecked::<Arc<Accounts>>()
}

fn auth_payload(outcome: Outcome<Session>) -> AuthPayload {
    match outcome {
        Ok(session) => AuthPayload {
            access_token: Some(session.access.token),
            refresh_token: Some(session.refresh_token),
            expires_at: Some(session.access.expires_at),
            user: Some(User::disclosed(session.user)),
            user_errors: Vec::new(),
        },
        Err(user_errors) => AuthPayload {
            user_errors,
            ..AuthPayload::default()
        },
    }
}

fn user_payload(outcome: Outcome<crate::entity::user::Model>) -> UserPayload {
    match outcome {
        Ok(user) => UserPayload {
            user: Some(User::new(user)),
            user_errors: Vec::new(),
        },
        Err(user_errors) => UserPayload {
            user: None,
            user_errors,
        },
    }
}

#[Object]
impl Mutation {
    async fn register(&self, ctx: &Context<'_>, input: RegisterInput) -> Result<RegisterPayload> {
        let addr = client_addr(ctx).0;
        Ok(
            match accounts(ctx)
                .register(&input.email, &input.password, &input.name, addr)
                .await?
            {
                Ok(user) => RegisterPayload {
                    user: Some(User::disclosed(user)),
                    user_errors: Vec::new(),
                },
                Err(user_errors) => RegisterPayload {
                    user: None,
                    user_errors,
                },
            },
        )
    }

    async fn login(&self, ctx: &Context<'_>, input: LoginInput) -> Result<AuthPayload> {
        let addr = client_addr(ctx).0;
        Ok(auth_payload(
            accounts(ctx)
                .login(&input.email, &input.password, addr)
                .await?,
        ))
    }

    /// Rotates: the old refresh token dies.
    async fn refresh_token(&self, ctx: &Context<'_>, refresh_token: String) -> Result<AuthPayload> {
        Ok(auth_payload(accounts(ctx).refresh(&refresh_token).await?))
    }

    async fn logout(&self, ctx: &Context<'_>, refresh_token: String) -> Result<bool> {
        Ok(accounts(ctx).logout(&refresh_token).await?)
    }

    #[graphql(requires_scopes = "users:manage")]
    async fn create_role(&self, ctx: &Context<'_>, input: CreateRoleInput) -> Result<RolePayload> {
        viewer(ctx).require_scope("users:manage")?;
        Ok(
            match accounts(ctx)
                .create_role(&input.name, &input.permissions)
                .await?
            {
                Ok(role) => RolePayload {
                    role: Some(Role::from(role)),
                    user_errors: Vec::new(),
                },
                Err(user_errors) => RolePayload {
                    role: None,
                    user_errors,
                },
            },
        )
    }

    #[graphql(requires_scopes = "users:manage")]
    async fn assign_role(
        &self,
        ctx: &Context<'_>,
        user_id: ID,
        role_id: ID,
    ) -> Result<UserPayload> {
        viewer(ctx).require_scope("users:manage")?;
        Ok(user_payload(
            accounts(ctx).assign_role(&user_id, &role_id).await?,
        ))
    }

    #[graphql(requires_scopes = "users:manage")]
    async fn revoke_role(
        &self,
        ctx: &Context<'_>,
        user_id: ID,
        role_id: ID,
    ) -> Result<UserPayload> {
        viewer(ctx).require_scope("users:manage")?;
        Ok(user_payload(
            accounts(ctx).revoke_role(&user_id, &role_id).await?,
        ))
    }
}
