use std::sync::Arc;

use async_graphql::dataloader::DataLoader;
use async_graphql::{Context, ID, Object, Result};
use micromall_kit::graphql::{
    authenticated, by_first, edges_and_nodes, list_size, paged_complexity, viewer,
};
use micromall_kit::pagination::{Page, PageRequest, build_page};
use uuid::Uuid;

use super::loaders::OrderLoader;
use super::types::{Order, User};
use crate::service::{MANAGE, Orders, may_see};
use crate::status::OrderStatus;

pub struct Query;

fn orders<'a>(ctx: &'a Context<'_>) -> &'a Orders {
    ctx.data_unchecked::<Arc<Orders>>()
}

#[Object]
impl Query {
    /// One order: the customer's own, or any with `orders:manage`; otherwise null.
    #[graphql(directive = authenticated::apply())]
    async fn order(&self, ctx: &Context<'_>, id: ID) -> Result<Option<Order>> {
        let viewer = viewer(ctx);
        viewer.require_user()?;
        Ok(orders(ctx).visible_order(viewer, &id).await?.map(Order))
    }

    /// Every order, newest first, optionally in one status.
    #[graphql(
        requires_scopes = "orders:manage",
        directive = list_size::apply(None, by_first(), edges_and_nodes()),
        complexity = "paged_complexity(first, child_complexity)"
    )]
    async fn orders(
        &self,
        ctx: &Context<'_>,
        #[graphql(default = 20)] first: Option<i32>,
        after: Option<String>,
        status: Option<OrderStatus>,
    ) -> Result<Page<Order>> {
        viewer(ctx).require_scope(MANAGE)?;
        let page = PageRequest::parse(first, after)?;
        let (rows, total) = orders(ctx).page(None, status, &page).await?;
        Ok(build_page(&page, rows, total, |o| o.id.to_string(), Order))
    }

    /// Federation: orders by id, for whoever may see them.
    #[graphql(entity)]
    async fn find_order_by_id(&self, ctx: &Context<'_>, id: ID) -> Result<Option<Order>> {
        let Ok(id) = Uuid::parse_str(&id) else {
            return Ok(None);
        };
        let order = ctx
            .data_unchecked::<DataLoader<OrderLoader>>()
            .load_one(id)
            .await?;
        Ok(order.filter(|o| may_see(viewer(ctx), o)).map(Order))
    }

    /// Federation: users, to resolve their `orders`.
    #[graphql(entity)]
    async fn find_user_by_id(&self, id: ID) -> Option<User> {
        Uuid::parse_str(&id).ok().map(|id| User { id })
    }
}
