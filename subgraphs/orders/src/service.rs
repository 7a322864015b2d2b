//! The orders service: what every entry point (GraphQL, internal calls, events, the payment
//! timeout) shares. Checkout lives in `checkout`, status changes in `lifecycle`.

use std::time::Duration;

use micromall_kit::auth::Viewer;
use micromall_kit::events::outbox::Outbox;
use micromall_kit::internal::InternalClient;
use micromall_kit::pagination::PageRequest;
use micromall_kit::{ApiError, ApiResult, UserError};
use sea_orm::DatabaseConnection;
use uuid::Uuid;

use crate::entity::order;
use crate::store;

pub const MANAGE: &str = "orders:manage";

/// A business outcome: the value, or the user errors that explain why not.
pub type Outcome<T> = Result<T, Vec<UserError>>;

pub struct Orders {
    pub db: DatabaseConnection,
    pub outbox: Outbox,
    /// Cart, catalog and inventory, reached through their internal endpoints.
    pub services: InternalClient,
    pub currency: String,
    pub payment_timeout: Duration,
    /// Open unpaid orders one customer may have (`[orders] max_pending_per_customer`).
    pub max_pending_per_customer: u32,
}

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
}

impl Orders {
    /// A page of orders, newest first.
    pub async fn page(
        &self,
        customer: Option<Uuid>,
        status: Option<crate::status::OrderStatus>,
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
}

pub fn may_see(viewer: &Viewer, order: &order::Model) -> bool {
    viewer.user_id == Some(order.customer_id) || viewer.has_scope(MANAGE)
}

/// `NOT_FOUND` for an order that does not exist or is not the viewer's.
pub fn not_found() -> Vec<UserError> {
    vec![UserError::new("NOT_FOUND", "there is no such order").at(&["id"])]
}
