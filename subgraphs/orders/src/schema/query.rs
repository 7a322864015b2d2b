use async_graphql::dataloader::DataLoader;
use async_graphql::{Context, ID, Object, Result};
use micromall_kit::graphql::{
    authenticated, by_first, edges_and_nodes, list_size, paged_complexity, service, viewer,
};
use micromall_kit::pagination::Page;
use uuid::Uuid;

use super::loaders::OrderLoader;
use super::types::{Order, User, order_page};
use crate::rules::{MANAGE, OrderStatus, may_see};
use crate::service::Orders;

pub struct Query;

#[Object]
impl Query {
    /// One order: the customer's own, or any with `orders:manage`; otherwise null.
    #[graphql(directive = authenticated::apply())]
    async fn order(&self, ctx: &Context<'_>, id: ID) -> Result<Option<Order>> {
        let viewer = viewer(ctx);
        viewer.require_user()?;
        let order = service::<Orders>(ctx)?.visible_order(viewer, &id).await?;
        Ok(order.map(Order))
    }

    /// Every order, newest first, optionally in one status.
    #[graphql(
        name = "orders",
        requires_scopes = "orders:manage",
        directive = list_size::apply(None, by_first(), edges_and_nodes()),
        complexity = "paged_complexity(first, child_complexity)"
    )]
    async fn all_orders(
        &self,
        ctx: &Context<'_>,
        #[graphql(default = 20)] first: Option<i32>,
        after: Option<String>,
        status: Option<OrderStatus>,
    ) -> Result<Page<Order>> {
        viewer(ctx).require_scope(MANAGE)?;
        order_page(ctx, None, status, first, after).await
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
