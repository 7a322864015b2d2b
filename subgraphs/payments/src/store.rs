//! Queries on the payments tables: payments, refunds, the provider events already applied
//! and the orders known to be cancelled.
//!
//! A payment whose money changes is locked first (`FOR UPDATE` on PostgreSQL; on SQLite the
//! IMMEDIATE write transaction already serialises writers), so concurrent refunds never add
//! up past the capture and a callback and a cancellation see each other's change.

use chrono::{DateTime, Utc};
use micromall_kit::db::is_unique_violation;
use rust_decimal::Decimal;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, IntoActiveModel,
    QueryFilter, QueryOrder, QuerySelect, Set,
};
use uuid::Uuid;

use crate::entity::{cancelled_order, payment, provider_event, refund};
use crate::status::{PaymentStatus, RefundStatus};

pub async fn payment(db: &impl ConnectionTrait, id: Uuid) -> Result<Option<payment::Model>, DbErr> {
    payment::Entity::find_by_id(id).one(db).await
}

/// A payment, locked until the transaction ends.
pub async fn lock_payment(
    db: &impl ConnectionTrait,
    id: Uuid,
) -> Result<Option<payment::Model>, DbErr> {
    payment::Entity::find_by_id(id)
        .lock_exclusive()
        .one(db)
        .await
}

/// The payments of these orders, oldest first.
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

/// Inserts a new row (a payment, a refund) as its model has it. A payment's fails on the
/// unique index that allows one active payment per order.
pub async fn insert<A>(db: &impl ConnectionTrait, row: impl IntoActiveModel<A>) -> Result<(), DbErr>
where
    A: ActiveModelTrait + Send,
{
    A::Entity::insert(row.into_active_model().reset_all())
        .exec_without_returning(db)
        .await?;
    Ok(())
}

/// What the provider answered to a charge of a payment still pending: its reference, or
/// (when it refused outright) the payment fails with `failure`. Neither leaves it as it is.
pub async fn record_charge(
    db: &impl ConnectionTrait,
    payment_id: Uuid,
    reference: Option<String>,
    failure: Option<String>,
) -> Result<(), DbErr> {
    let mut update = payment::Entity::update_many()
        .col_expr(payment::Column::UpdatedAt, Expr::value(Utc::now()))
        .filter(payment::Column::Id.eq(payment_id))
        .filter(payment::Column::Status.eq(PaymentStatus::Pending.as_str()));
    if let Some(reference) = reference {
        update = update.col_expr(payment::Column::ProviderReference, Expr::value(reference));
    }
    if let Some(reason) = failure {
        update = update
            .col_expr(
                payment::Column::Status,
                Expr::value(PaymentStatus::Failed.as_str()),
            )
            .col_expr(payment::Column::FailureReason, Expr::value(reason));
    }
    update.exec(db).await?;
    Ok(())
}

/// A callback's decision on a locked payment, unless it changed since it was read.
pub async fn decide_payment(
    db: &impl ConnectionTrait,
    payment: &payment::Model,
    next: PaymentStatus,
    charge_reference: &str,
    failure_reason: Option<String>,
) -> Result<(), DbErr> {
    let mut update = payment::Entity::update_many()
        .col_expr(payment::Column::Status, Expr::value(next.as_str()))
        .col_expr(
            payment::Column::ProviderReference,
            Expr::value(charge_reference.to_owned()),
        )
        .col_expr(payment::Column::UpdatedAt, Expr::value(Utc::now()))
        .filter(payment::Column::Id.eq(payment.id))
        .filter(payment::Column::Status.eq(payment.status.clone()));
    if let Some(reason) = failure_reason {
        update = update.col_expr(payment::Column::FailureReason, Expr::value(reason));
    }
    update.exec(db).await?;
    Ok(())
}

/// Sets how much of a payment went back, and the status that goes with it.
pub async fn set_refunded(
    db: &impl ConnectionTrait,
    payment_id: Uuid,
    refunded: Decimal,
    status: PaymentStatus,
) -> Result<(), DbErr> {
    payment::Entity::update_many()
        .col_expr(payment::Column::RefundedAmount, Expr::value(refunded))
        .col_expr(payment::Column::Status, Expr::value(status.as_str()))
        .col_expr(payment::Column::UpdatedAt, Expr::value(Utc::now()))
        .filter(payment::Column::Id.eq(payment_id))
        .exec(db)
        .await?;
    Ok(())
}

/// Voids the order's payments still waiting for the provider.
pub async fn cancel_pending_payments(
    db: &impl ConnectionTrait,
    order_id: Uuid,
) -> Result<(), DbErr> {
    payment::Entity::update_many()
        .col_expr(
            payment::Column::Status,
            Expr::value(PaymentStatus::Cancelled.as_str()),
        )
        .col_expr(payment::Column::UpdatedAt, Expr::value(Utc::now()))
        .filter(payment::Column::OrderId.eq(order_id))
        .filter(payment::Column::Status.eq(PaymentStatus::Pending.as_str()))
        .exec(db)
        .await?;
    Ok(())
}

pub async fn refund(db: &impl ConnectionTrait, id: Uuid) -> Result<Option<refund::Model>, DbErr> {
    refund::Entity::find_by_id(id).one(db).await
}

/// Moves a refund from `from` to `to` (with the provider's reference, when settling it);
/// false when another attempt already moved it.
pub async fn move_refund(
    db: &impl ConnectionTrait,
    refund_id: Uuid,
    from: RefundStatus,
    to: RefundStatus,
    reference: Option<String>,
) -> Result<bool, DbErr> {
    let mut update = refund::Entity::update_many()
        .col_expr(refund::Column::Status, Expr::value(to.as_str()))
        .col_expr(refund::Column::UpdatedAt, Expr::value(Utc::now()))
        .filter(refund::Column::Id.eq(refund_id))
        .filter(refund::Column::Status.eq(from.as_str()));
    if to != RefundStatus::Pending {
        update = update.col_expr(refund::Column::ProviderReference, Expr::value(reference));
    }
    Ok(update.exec(db).await?.rows_affected == 1)
}

/// What the provider has confirmed as refunded for a payment.
pub async fn refunded_so_far(
    db: &impl ConnectionTrait,
    payment_id: Uuid,
) -> Result<Decimal, DbErr> {
    Ok(refund::Entity::find()
        .filter(refund::Column::PaymentId.eq(payment_id))
        .filter(refund::Column::Status.eq(RefundStatus::Succeeded.as_str()))
        .all(db)
        .await?
        .iter()
        .map(|r| r.amount)
        .sum())
}

/// Refunds still pending that were last touched before `before`.
pub async fn unsettled_refunds(
    db: &impl ConnectionTrait,
    before: DateTime<Utc>,
) -> Result<Vec<refund::Model>, DbErr> {
    refund::Entity::find()
        .filter(refund::Column::Status.eq(RefundStatus::Pending.as_str()))
        .filter(refund::Column::UpdatedAt.lt(before))
        .all(db)
        .await
}

/// Records a provider's event as applied; false when it already was.
pub async fn first_provider_event(
    db: &impl ConnectionTrait,
    provider: &str,
    event_id: String,
) -> Result<bool, DbErr> {
    let inserted = provider_event::Entity::insert(provider_event::ActiveModel {
        provider: Set(provider.to_owned()),
        event_id: Set(event_id),
        received_at: Set(Utc::now()),
    })
    .exec_without_returning(db)
    .await;
    match inserted {
        Ok(_) => Ok(true),
        Err(err) if is_unique_violation(&err) => Ok(false),
        Err(err) => Err(err),
    }
}

/// Remembers that the order was cancelled (again is fine).
pub async fn record_cancelled_order(
    db: &impl ConnectionTrait,
    order_id: Uuid,
) -> Result<(), DbErr> {
    cancelled_order::Entity::insert(cancelled_order::ActiveModel {
        order_id: Set(order_id),
        cancelled_at: Set(Utc::now()),
    })
    .on_conflict_do_nothing()
    .exec_without_returning(db)
    .await?;
    Ok(())
}

pub async fn is_cancelled(db: &impl ConnectionTrait, order_id: Uuid) -> Result<bool, DbErr> {
    Ok(cancelled_order::Entity::find_by_id(order_id)
        .one(db)
        .await?
        .is_some())
}
