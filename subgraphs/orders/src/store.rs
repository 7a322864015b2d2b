//! The orders queries.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect, Set, Statement,
};
use uuid::Uuid;

use crate::entity::{order, order_line, transition};
use crate::status::OrderStatus;

pub async fn order_by_id(
    db: &impl ConnectionTrait,
    id: Uuid,
) -> Result<Option<order::Model>, DbErr> {
    order::Entity::find_by_id(id).one(db).await
}

pub async fn orders_by_ids(
    db: &impl ConnectionTrait,
    ids: &[Uuid],
) -> Result<Vec<order::Model>, DbErr> {
    order::Entity::find()
        .filter(order::Column::Id.is_in(ids.iter().copied()))
        .all(db)
        .await
}

/// A page of orders, newest first, optionally one customer's or in one status.
pub async fn orders_page(
    db: &impl ConnectionTrait,
    customer: Option<Uuid>,
    status: Option<OrderStatus>,
    before_id: Option<Uuid>,
    limit: u64,
) -> Result<(Vec<order::Model>, u64), DbErr> {
    let mut query = order::Entity::find();
    if let Some(customer) = customer {
        query = query.filter(order::Column::CustomerId.eq(customer));
    }
    if let Some(status) = status {
        query = query.filter(order::Column::Status.eq(status.as_str()));
    }
    let total = query.clone().count(db).await?;
    if let Some(before) = before_id {
        query = query.filter(order::Column::Id.lt(before));
    }
    let rows = query
        .order_by_desc(order::Column::Id)
        .limit(limit)
        .all(db)
        .await?;
    Ok((rows, total))
}

pub async fn lines_of(
    db: &impl ConnectionTrait,
    order_ids: &[Uuid],
) -> Result<Vec<order_line::Model>, DbErr> {
    order_line::Entity::find()
        .filter(order_line::Column::OrderId.is_in(order_ids.iter().copied()))
        .order_by_asc(order_line::Column::OrderId)
        .order_by_asc(order_line::Column::Position)
        .all(db)
        .await
}

pub async fn transitions_of(
    db: &impl ConnectionTrait,
    order_ids: &[Uuid],
) -> Result<Vec<transition::Model>, DbErr> {
    transition::Entity::find()
        .filter(transition::Column::OrderId.is_in(order_ids.iter().copied()))
        .order_by_asc(transition::Column::Id)
        .all(db)
        .await
}

/// The next order number (`MM-000123`); the row lock serialises concurrent checkouts only
/// for the moment of the increment.
pub async fn next_order_number(db: &impl ConnectionTrait) -> Result<String, DbErr> {
    let backend = db.get_database_backend();
    let row = db
        .query_one_raw(Statement::from_string(
            backend,
            "UPDATE order_numbers SET last_number = last_number + 1 WHERE id = 1 RETURNING last_number",
        ))
        .await?
        .ok_or_else(|| DbErr::Custom("order_numbers has no row".into()))?;
    let n: i64 = row.try_get("", "last_number")?;
    Ok(format!("MM-{n:06}"))
}

/// Moves an order to `to` if it is in one of `from` (a compare-and-set, safe under races),
/// recording the transition. Returns the order as it is now, if it moved.
pub async fn transition(
    db: &impl ConnectionTrait,
    order_id: Uuid,
    from: &[OrderStatus],
    to: OrderStatus,
    cause: &str,
) -> Result<Option<order::Model>, DbErr> {
    let Some(mut current) = order_by_id(db, order_id).await? else {
        return Ok(None);
    };
    let Some(from_status) = OrderStatus::parse(&current.status) else {
        return Err(DbErr::Custom(format!(
            "order {order_id} has an unknown status"
        )));
    };
    if !from.contains(&from_status) || !from_status.can_become(to) {
        return Ok(None);
    }
    let now = Utc::now();
    let moved = order::Entity::update_many()
        .col_expr(order::Column::Status, Expr::value(to.as_str()))
        .col_expr(order::Column::UpdatedAt, Expr::value(now))
        .filter(order::Column::Id.eq(order_id))
        .filter(order::Column::Status.eq(from_status.as_str()))
        .exec(db)
        .await?
        .rows_affected
        == 1;
    if !moved {
        return Ok(None);
    }
    record_transition(db, order_id, Some(from_status), to, cause, now).await?;
    current.status = to.as_str().to_owned();
    current.updated_at = now;
    Ok(Some(current))
}

pub async fn record_transition(
    db: &impl ConnectionTrait,
    order_id: Uuid,
    from: Option<OrderStatus>,
    to: OrderStatus,
    cause: &str,
    at: DateTime<Utc>,
) -> Result<(), DbErr> {
    transition::Entity::insert(transition::ActiveModel {
        id: Set(Uuid::now_v7()),
        order_id: Set(order_id),
        from_status: Set(from.map(|s| s.as_str().to_owned())),
        to_status: Set(to.as_str().to_owned()),
        cause: Set(cause.chars().take(400).collect()),
        occurred_at: Set(at),
    })
    .exec_without_returning(db)
    .await?;
    Ok(())
}

/// Unpaid orders whose payment time is up.
pub async fn overdue_orders(
    db: &impl ConnectionTrait,
    now: DateTime<Utc>,
    limit: u64,
) -> Result<Vec<order::Model>, DbErr> {
    order::Entity::find()
        .filter(order::Column::Status.eq(OrderStatus::PendingPayment.as_str()))
        .filter(order::Column::PaymentDueAt.lte(now))
        .order_by_asc(order::Column::PaymentDueAt)
        .limit(limit)
        .all(db)
        .await
}
