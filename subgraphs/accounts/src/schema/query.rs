use async_graphql::dataloader::DataLoader;
use async_graphql::{Context, ID, Object, Result};
use micromall_kit::graphql::{
    authenticated, by_first, edges_and_nodes, list_size, paged_complexity, service, viewer,
};
use micromall_kit::pagination::{Page, PageRequest, build_page};
use uuid::Uuid;

use super::loaders::UserLoader;
use super::types::{Role, User};
use crate::service::Accounts;

pub struct Query;

#[Object]
impl Query {
    /// The signed-in user.
    #[graphql(directive = authenticated::apply())]
    async fn me(&self, ctx: &Context<'_>) -> Result<Option<User>> {
        let id = viewer(ctx).require_user()?;
        let user = ctx
            .data_unchecked::<DataLoader<UserLoader>>()
            .load_one(id)
            .await?;
        Ok(user.map(User::new))
    }

    /// Users in sign-up order, optionally matching `query` in email or name.
    #[graphql(
        requires_scopes = "users:manage",
        directive = list_size::apply(None, by_first(), edges_and_nodes()),
        complexity = "paged_complexity(first, child_complexity)"
    )]
    async fn users(
        &self,
        ctx: &Context<'_>,
        #[graphql(default = 20)] first: Option<i32>,
        after: Option<String>,
        query: Option<String>,
    ) -> Result<Page<User>> {
        viewer(ctx).require_scope("users:manage")?;
        let page = PageRequest::parse(first, after)?;
        let (rows, total) = service::<Accounts>(ctx)?
            .list_users(query.as_deref(), &page)
            .await?;
        Ok(build_page(
            &page,
            rows,
            total,
            |u| u.id.to_string(),
            User::new,
        ))
    }

    #[graphql(requires_scopes = "users:manage")]
    async fn roles(&self, ctx: &Context<'_>) -> Result<Vec<Role>> {
        viewer(ctx).require_scope("users:manage")?;
        let roles = service::<Accounts>(ctx)?.roles().await?;
        Ok(roles.into_iter().map(Role::from).collect())
    }

    /// Federation: resolves `User` representations; N of them cost one query.
    #[graphql(entity)]
    async fn find_user_by_id(&self, ctx: &Context<'_>, id: ID) -> Result<Option<User>> {
        let Ok(id) = Uuid::parse_str(&id) else {
            return Ok(None);
        };
        let user = ctx
            .data_unchecked::<DataLoader<UserLoader>>()
            .load_one(id)
            .await?;
        Ok(user.map(User::new))
    }
}
