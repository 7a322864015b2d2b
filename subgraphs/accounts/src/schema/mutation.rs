use async_graphql::{Context, ID, Object, Result};
use micromall_kit::answer;
use micromall_kit::graphql::{client_addr, service, viewer};

use super::types::{
    AuthPayload, CreateRoleInput, LoginInput, RegisterInput, RegisterPayload, Role, RolePayload,
    User, UserPayload,
};
use crate::service::{Accounts, Holding};

pub struct Mutation;

const MANAGE: &str = "users:manage";

#[Object]
impl Mutation {
    async fn register(&self, ctx: &Context<'_>, input: RegisterInput) -> Result<RegisterPayload> {
        let addr = client_addr(ctx).0;
        let registered = service::<Accounts>(ctx)?
            .register(&input.email, &input.password, &input.name, addr)
            .await;
        answer(registered.map(User::disclosed))
    }

    async fn login(&self, ctx: &Context<'_>, input: LoginInput) -> Result<AuthPayload> {
        let addr = client_addr(ctx).0;
        answer(
            service::<Accounts>(ctx)?
                .login(&input.email, &input.password, addr)
                .await,
        )
    }

    /// Rotates: the old refresh token dies.
    async fn refresh_token(&self, ctx: &Context<'_>, refresh_token: String) -> Result<AuthPayload> {
        answer(service::<Accounts>(ctx)?.refresh(&refresh_token).await)
    }

    async fn logout(&self, ctx: &Context<'_>, refresh_token: String) -> Result<bool> {
        Ok(service::<Accounts>(ctx)?.logout(&refresh_token).await?)
    }

    #[graphql(requires_scopes = "users:manage")]
    async fn create_role(&self, ctx: &Context<'_>, input: CreateRoleInput) -> Result<RolePayload> {
        viewer(ctx).require_scope(MANAGE)?;
        let created = service::<Accounts>(ctx)?
            .create_role(&input.name, &input.permissions)
            .await;
        answer(created.map(Role::from))
    }

    #[graphql(requires_scopes = "users:manage")]
    async fn assign_role(
        &self,
        ctx: &Context<'_>,
        user_id: ID,
        role_id: ID,
    ) -> Result<UserPayload> {
        change_holding(ctx, &user_id, &role_id, Holding::Grant).await
    }

    #[graphql(requires_scopes = "users:manage")]
    async fn revoke_role(
        &self,
        ctx: &Context<'_>,
        user_id: ID,
        role_id: ID,
    ) -> Result<UserPayload> {
        change_holding(ctx, &user_id, &role_id, Holding::Revoke).await
    }
}

/// `assignRole` and `revokeRole`: one question, answered one way or the other.
async fn change_holding(
    ctx: &Context<'_>,
    user_id: &str,
    role_id: &str,
    change: Holding,
) -> Result<UserPayload> {
    viewer(ctx).require_scope(MANAGE)?;
    let changed = service::<Accounts>(ctx)?
        .change_holding(user_id, role_id, change)
        .await;
    answer(changed.map(User::new))
}
