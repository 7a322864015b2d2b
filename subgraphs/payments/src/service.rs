//! The payments service: what every entry point shares. Paying is in `pay`, refunds in
//! `refund`, provider callbacks in `callbacks`, reactions to orders in `events`.

use std::collections::BTreeMap;
use std::sync::Arc;

use micromall_kit::UserError;
use micromall_kit::auth::Viewer;
use micromall_kit::events::outbox::Outbox;
use micromall_kit::internal::InternalClient;
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder};
use uuid::Uuid;

use crate::entity::payment;
use crate::provider::PaymentProvider;

pub const REFUND: &str = "payments:refund";
const ORDERS_MANAGE: &str = "orders:manage";

/// A business outcome: the value, or the user errors that explain why not.
pub type Outcome<T> = Result<T, Vec<UserError>>;

pub struct Payments {
    pub db: sea_orm::DatabaseConnection,
    pub outbox: Outbox,
    /// Orders, reached through its internal endpoint.
    pub services: InternalClient,
    pub providers: BTreeMap<&'static str, Arc<dyn PaymentProvider>>,
}

impl Payments {
    pub fn provider(&self, name: &str) -> Option<&Arc<dyn PaymentProvider>> {
        self.providers.get(name)
    }
}

/// The payer, staff who refund, and staff who manage orders see a payment.
pub fn may_see(viewer: &Viewer, payment: &payment::Model) -> bool {
    viewer.user_id == Some(payment.customer_id)
        || viewer.has_scope(REFUND)
        || viewer.has_scope(ORDERS_MANAGE)
}

pub fn not_found(field: &[&str]) -> Vec<UserError> {
    vec![UserError::new("NOT_FOUND", "there is no such payment or order").at(field)]
}

pub async fn payment_by_id(
    db: &impl ConnectionTrait,
    id: Uuid,
) -> Result<Option<payment::Model>, DbErr> {
    payment::Entity::find_by_id(id).one(db).await
}

pub async fn payments_of_orders(
    db: &impl ConnectionTrait,
    order_ids: &[Uuid],
) -> Result<Vec<payment::Model>, DbErr> {
    payment::Entity::find()
        .filter(payment::Column::OrderId.is_in(order_ids.iter().copied()))
        .order_by_asc(payment::Column::Id)
        .all(db)
        .await
}
