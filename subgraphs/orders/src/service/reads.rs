//! Reading orders: one for its customer or staff, pages of them, and their lines and history
//! in batches (one query per batch, for the schema's loaders).

use std::collections::HashMap;
use std::hash::Hash;

use micromall_kit::auth::Viewer;
use micromall_kit::pagination::PageRequest;
use micromall_kit::{ApiError, ApiResult, DomainError, refuse};
use sea_orm::DbErr;
use uuid::Uuid;

use super::Orders;
use crate::entity::{order, order_line, transition};
use crate::refusal::Refusal;
use crate::rules::{OrderStatus, may_see};
use crate::store;

impl Orders {
    /// An order the viewer may see: their own, or any with `orders:manage`.
    pub async fn visible_order(
        &self,
        viewer: &Viewer,
        id: &str,
    ) -> ApiResult<Option<order::Model>> {
        let Ok(id) = Uuid::parse_str(id) else {
            return Ok(None);
        };
        let order = store::order_by_id(&self.db, id).await?;
        Ok(order.filter(|o| may_see(viewer, o)))
    }

    /// Any order, for another service.
    pub async fn order(&self, id: Uuid) -> Result<order::Model, DomainError<Refusal>> {
        match store::order_by_id(&self.db, id).await? {
            Some(order) => Ok(order),
            None => refuse(Refusal::NotFound),
        }
    }

    /// A page of orders, newest first, optionally one customer's or in one status.
    pub async fn page(
        &self,
        customer: Option<Uuid>,
        status: Option<OrderStatus>,
        page: &PageRequest,
    ) -> ApiResult<(Vec<order::Model>, u64)> {
        let before = match &page.after {
            Some(cursor) => Some(
                Uuid::parse_str(cursor)
                    .map_err(|_| ApiError::bad_input("`after` is not a valid cursor"))?,
            ),
            None => None,
        };
        Ok(store::orders_page(&self.db, customer, status, before, page.fetch_limit()).await?)
    }

    /// The orders of these ids that exist.
    pub async fn orders_by_ids(&self, ids: &[Uuid]) -> Result<HashMap<Uuid, order::Model>, DbErr> {
        let orders = store::orders_by_ids(&self.db, ids).await?;
        Ok(orders.into_iter().map(|o| (o.id, o)).collect())
    }

    /// Each order's lines, in the order they were bought.
    pub async fn lines_of(
        &self,
        orders: &[Uuid],
    ) -> Result<HashMap<Uuid, Vec<order_line::Model>>, DbErr> {
        let lines = store::lines_of(&self.db, orders).await?;
        Ok(grouped(lines, |line| line.order_id))
    }

    /// Each order's status changes, oldest first.
    pub async fn history_of(
        &self,
        orders: &[Uuid],
    ) -> Result<HashMap<Uuid, Vec<transition::Model>>, DbErr> {
        let steps = store::transitions_of(&self.db, orders).await?;
        Ok(grouped(steps, |step| step.order_id))
    }
}

/// Rows grouped by `key`, each group in the rows' order.
fn grouped<K: Eq + Hash, T>(rows: Vec<T>, key: impl Fn(&T) -> K) -> HashMap<K, Vec<T>> {
    let mut groups: HashMap<K, Vec<T>> = HashMap::new();
    for row in rows {
        groups.entry(key(&row)).or_default().push(row);
    }
    groups
}
