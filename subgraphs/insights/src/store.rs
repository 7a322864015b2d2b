//! The insights queries: the only place that speaks to the database.

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use sea_orm::sea_query::{Expr, ExprTrait, OnConflict};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, IntoActiveModel, PaginatorTrait, QueryFilter,
    QueryOrder, QuerySelect,
};
use uuid::Uuid;

use crate::entity::{cart_fact, event_journal, order_fact, order_item, refund, stock_level};

/// Keeps an event as received; false when it was kept already.
pub async fn journal(db: &impl ConnectionTrait, row: event_journal::Model) -> Result<bool, DbErr> {
    let inserted = event_journal::Entity::insert(row.into_active_model())
        .on_conflict(
            OnConflict::column(event_journal::Column::EventId)
                .do_nothing()
                .to_owned(),
        )
        .exec_without_returning(db)
        .await?;
    Ok(inserted == 1)
}

/// A page of the journal in the order events happened, after `after` (occurred at, id).
pub async fn journal_page(
    db: &impl ConnectionTrait,
    after: Option<(DateTime<Utc>, Uuid)>,
    limit: u64,
) -> Result<Vec<event_journal::Model>, DbErr> {
    let mut page = event_journal::Entity::find()
        .order_by_asc(event_journal::Column::OccurredAt)
        .order_by_asc(event_journal::Column::EventId);
    if let Some((at, id)) = after {
        page = page.filter(
            event_journal::Column::OccurredAt
                .gt(at)
                .or(event_journal::Column::OccurredAt
                    .eq(at)
                    .and(event_journal::Column::EventId.gt(id))),
        );
    }
    page.limit(limit).all(db).await
}

/// Empties the read model (not the journal), before a rebuild.
pub async fn clear_facts(db: &impl ConnectionTrait) -> Result<(), DbErr> {
    order_item::Entity::delete_many().exec(db).await?;
    order_fact::Entity::delete_many().exec(db).await?;
    refund::Entity::delete_many().exec(db).await?;
    cart_fact::Entity::delete_many().exec(db).await?;
    stock_level::Entity::delete_many().exec(db).await?;
    Ok(())
}

/// Records a placed order and its lines. Events may arrive in any order: a `paid` or
/// `cancelled` seen first left a stub, whose times are kept.
pub async fn record_placed(
    db: &impl ConnectionTrait,
    order: order_fact::Model,
    items: Vec<order_item::Model>,
) -> Result<(), DbErr> {
    order_fact::Entity::insert(order.into_active_model())
        .on_conflict(
            OnConflict::column(order_fact::Column::OrderId)
                .update_columns([
                    order_fact::Column::CustomerId,
                    order_fact::Column::PlacedAt,
                    order_fact::Column::Subtotal,
                    order_fact::Column::Discount,
                    order_fact::Column::ShippingCost,
                    order_fact::Column::Total,
                    order_fact::Column::CouponCode,
                ])
                .to_owned(),
        )
        .exec_without_returning(db)
        .await?;
    if !items.is_empty() {
        order_item::Entity::insert_many(items.into_iter().map(IntoActiveModel::into_active_model))
            .on_conflict(
                OnConflict::columns([order_item::Column::OrderId, order_item::Column::VariantId])
                    .do_nothing()
                    .to_owned(),
            )
            .exec_without_returning(db)
            .await?;
    }
    Ok(())
}

/// A stub for an order whose `paid` or `cancelled` arrived before its `placed`: no amounts
/// yet (they come with `placed`), placed as far as anyone knows at `at`.
fn stub(order_id: Uuid, customer_id: Uuid, at: DateTime<Utc>) -> order_fact::Model {
    order_fact::Model {
        order_id,
        customer_id,
        placed_at: at,
        subtotal: Decimal::ZERO,
        discount: Decimal::ZERO,
        shipping_cost: Decimal::ZERO,
        total: Decimal::ZERO,
        coupon_code: None,
        paid_at: None,
        cancelled_at: None,
    }
}

/// What happened to an order after it was placed.
#[derive(Debug, Clone, Copy)]
pub enum Outcome {
    Paid,
    Cancelled,
}

/// Marks the order paid or cancelled at `at` (the first time counts), whether or not its
/// `placed` has arrived yet.
pub async fn mark(
    db: &impl ConnectionTrait,
    order_id: Uuid,
    customer_id: Uuid,
    outcome: Outcome,
    at: DateTime<Utc>,
) -> Result<(), DbErr> {
    let mut row = stub(order_id, customer_id, at);
    let (column, keep_first) = match outcome {
        Outcome::Paid => {
            row.paid_at = Some(at);
            (
                order_fact::Column::PaidAt,
                "COALESCE(order_facts.paid_at, excluded.paid_at)",
            )
        }
        Outcome::Cancelled => {
            row.cancelled_at = Some(at);
            (
                order_fact::Column::CancelledAt,
                "COALESCE(order_facts.cancelled_at, excluded.cancelled_at)",
            )
        }
    };
    order_fact::Entity::insert(row.into_active_model())
        .on_conflict(
            OnConflict::column(order_fact::Column::OrderId)
                .value(column, Expr::cust(keep_first))
                .to_owned(),
        )
        .exec_without_returning(db)
        .await?;
    Ok(())
}

pub async fn insert_refund(db: &impl ConnectionTrait, row: refund::Model) -> Result<(), DbErr> {
    refund::Entity::insert(row.into_active_model())
        .on_conflict(
            OnConflict::column(refund::Column::EventId)
                .do_nothing()
                .to_owned(),
        )
        .exec_without_returning(db)
        .await?;
    Ok(())
}

pub async fn insert_cart(db: &impl ConnectionTrait, row: cart_fact::Model) -> Result<(), DbErr> {
    cart_fact::Entity::insert(row.into_active_model())
        .on_conflict(
            OnConflict::column(cart_fact::Column::CartId)
                .do_nothing()
                .to_owned(),
        )
        .exec_without_returning(db)
        .await?;
    Ok(())
}

/// Sets a variant's stock unless a later change is already known.
pub async fn set_stock(db: &impl ConnectionTrait, row: stock_level::Model) -> Result<(), DbErr> {
    let known = stock_level::Entity::find_by_id(row.variant_id)
        .one(db)
        .await?;
    if known.as_ref().is_some_and(|k| k.at > row.at) {
        return Ok(());
    }
    stock_level::Entity::insert(row.into_active_model())
        .on_conflict(
            OnConflict::column(stock_level::Column::VariantId)
                .update_columns([stock_level::Column::Available, stock_level::Column::At])
                .to_owned(),
        )
        .exec_without_returning(db)
        .await?;
    Ok(())
}

/// Orders paid within `[from, to)`.
pub async fn paid_between(
    db: &impl ConnectionTrait,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Result<Vec<order_fact::Model>, DbErr> {
    order_fact::Entity::find()
        .filter(order_fact::Column::PaidAt.gte(from))
        .filter(order_fact::Column::PaidAt.lt(to))
        .all(db)
        .await
}

pub async fn items_of(
    db: &impl ConnectionTrait,
    orders: &[Uuid],
) -> Result<Vec<order_item::Model>, DbErr> {
    let mut items = Vec::new();
    // In chunks: a year of orders is more ids than one statement takes.
    for chunk in orders.chunks(500) {
        items.extend(
            order_item::Entity::find()
                .filter(order_item::Column::OrderId.is_in(chunk.iter().copied()))
                .all(db)
                .await?,
        );
    }
    Ok(items)
}

pub async fn refunds_between(
    db: &impl ConnectionTrait,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Result<Vec<Decimal>, DbErr> {
    Ok(refund::Entity::find()
        .filter(refund::Column::RefundedAt.gte(from))
        .filter(refund::Column::RefundedAt.lt(to))
        .all(db)
        .await?
        .into_iter()
        .map(|r| r.amount)
        .collect())
}

pub async fn carts_between(
    db: &impl ConnectionTrait,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Result<u64, DbErr> {
    cart_fact::Entity::find()
        .filter(cart_fact::Column::CreatedAt.gte(from))
        .filter(cart_fact::Column::CreatedAt.lt(to))
        .count(db)
        .await
}

pub async fn placed_between(
    db: &impl ConnectionTrait,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Result<u64, DbErr> {
    order_fact::Entity::find()
        .filter(order_fact::Column::PlacedAt.gte(from))
        .filter(order_fact::Column::PlacedAt.lt(to))
        .count(db)
        .await
}

/// Variants with `at_most` or fewer left, fewest first.
pub async fn low_stock(
    db: &impl ConnectionTrait,
    at_most: i64,
    limit: u64,
) -> Result<Vec<Uuid>, DbErr> {
    Ok(stock_level::Entity::find()
        .filter(stock_level::Column::Available.lte(at_most))
        .order_by_asc(stock_level::Column::Available)
        .order_by_asc(stock_level::Column::VariantId)
        .limit(limit)
        .all(db)
        .await?
        .into_iter()
        .map(|s| s.variant_id)
        .collect())
}
