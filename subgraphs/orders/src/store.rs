//! The orders queries: the only place that speaks to the database.

use chrono::{DateTime, Utc};
use micromall_kit::db::{UniqueKey, begin_write, violated};
use sea_orm::sea_query::{Expr, OnConflict};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait, PaginatorTrait,
    QueryFilter, QueryOrder, QuerySelect, Set, Statement,
};
use uuid::Uuid;

use crate::entity::{checkout_claim, customer_checkout_lock, order, order_line, transition};
use crate::rules::{OrderStatus, PricedLine};

/// One order per state of a cart (see the orders migration), as each database names it.
const ONE_ORDER_PER_CART: [UniqueKey<()>; 1] = [UniqueKey {
    postgres: "orders_cart_version",
    sqlite: "orders.cart_id",
    means: (),
}];

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

/// Writes a new order and its lines; `false` (and nothing written) when the cart version
/// already has an order: another checkout of the same cart won.
pub async fn insert_order(
    db: &impl ConnectionTrait,
    new_order: &order::Model,
    lines: &[PricedLine],
) -> Result<bool, DbErr> {
    let inserted = order::Entity::insert(order::ActiveModel::from(new_order.clone()))
        .exec_without_returning(db)
        .await;
    match inserted {
        Ok(_) => {}
        Err(err) if violated(&err, &ONE_ORDER_PER_CART).is_some() => return Ok(false),
        Err(err) => return Err(err),
    }
    let rows = lines
        .iter()
        .enumerate()
        .map(|(i, l)| order_line::ActiveModel {
            id: Set(Uuid::now_v7()),
            order_id: Set(new_order.id),
            position: Set(i as i32),
            variant_id: Set(l.facts.id),
            product_name: Set(l.facts.product_name.clone()),
            variant_name: Set(l.facts.name.clone()),
            sku: Set(l.facts.sku.clone()),
            quantity: Set(l.quantity as i32),
            unit_price: Set(l.unit_price),
            discount: Set(l.discount),
            line_total: Set(l.line_total - l.discount),
        });
    order_line::Entity::insert_many(rows)
        .exec_without_returning(db)
        .await?;
    Ok(true)
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

/// Counts the customer's unpaid orders and checkouts in flight (claims made after
/// `live_since`) and, if fewer than `cap`, claims a place for `order_id`. One transaction
/// that first takes the customer's lock row (an upsert, which locks it on PostgreSQL; SQLite
/// runs one write transaction at a time), so concurrent checkouts of one customer count one
/// after the other and never together pass the cap.
pub async fn claim_checkout(
    db: &DatabaseConnection,
    customer: Uuid,
    order_id: Uuid,
    cap: u32,
    now: DateTime<Utc>,
    live_since: DateTime<Utc>,
) -> Result<bool, DbErr> {
    let txn = begin_write(db).await?;
    customer_checkout_lock::Entity::insert(customer_checkout_lock::ActiveModel {
        customer_id: Set(customer),
        locked_at: Set(now),
    })
    .on_conflict(
        OnConflict::column(customer_checkout_lock::Column::CustomerId)
            .update_column(customer_checkout_lock::Column::LockedAt)
            .to_owned(),
    )
    .exec_without_returning(&txn)
    .await?;
    checkout_claim::Entity::delete_many()
        .filter(checkout_claim::Column::CustomerId.eq(customer))
        .filter(checkout_claim::Column::ClaimedAt.lt(live_since))
        .exec(&txn)
        .await?;
    let unpaid = order::Entity::find()
        .filter(order::Column::CustomerId.eq(customer))
        .filter(order::Column::Status.eq(OrderStatus::PendingPayment.as_str()))
        .count(&txn)
        .await?;
    let in_flight = checkout_claim::Entity::find()
        .filter(checkout_claim::Column::CustomerId.eq(customer))
        .count(&txn)
        .await?;
    if unpaid + in_flight >= u64::from(cap) {
        txn.rollback().await?;
        return Ok(false);
    }
    checkout_claim::Entity::insert(checkout_claim::ActiveModel {
        order_id: Set(order_id),
        customer_id: Set(customer),
        claimed_at: Set(now),
    })
    .exec_without_returning(&txn)
    .await?;
    txn.commit().await?;
    Ok(true)
}

/// Ends a checkout's claim: its order row now counts instead, or the checkout failed.
pub async fn drop_claim(db: &impl ConnectionTrait, order_id: Uuid) -> Result<(), DbErr> {
    checkout_claim::Entity::delete_by_id(order_id)
        .exec(db)
        .await?;
    Ok(())
}

#[cfg(test)]
mod pending_cap {
    use super::*;
    use micromall_kit::testing::{Backend, TestDatabase};
    use rust_decimal::Decimal;

    async fn database(backend: Backend) -> DatabaseConnection {
        let db = TestDatabase::create(backend).await.expect("test database");
        micromall_kit::db::connect::<micromall_migrations::orders::Migrator>(&db.url)
            .await
            .expect("migrated")
    }

    async fn unpaid_order(db: &DatabaseConnection, customer: Uuid, status: OrderStatus) {
        let now = Utc::now();
        order::Entity::insert(order::ActiveModel::from(order::Model {
            id: Uuid::now_v7(),
            number: format!("T-{}", &Uuid::now_v7().simple().to_string()[16..]),
            customer_id: customer,
            status: status.as_str().to_owned(),
            currency: "USD".into(),
            subtotal: Decimal::ONE,
            discount: Decimal::ZERO,
            shipping_cost: Decimal::ZERO,
            total: Decimal::ONE,
            shipping_address: serde_json::json!({}),
            shipping_method_id: None,
            shipping_method_name: None,
            estimated_delivery: None,
            coupon_code: None,
            discounts: serde_json::json!([]),
            cart_id: Uuid::now_v7(),
            cart_version: 1,
            payment_due_at: now,
            created_at: now,
            updated_at: now,
        }))
        .exec_without_returning(db)
        .await
        .unwrap();
    }

    async fn claim(db: &DatabaseConnection, customer: Uuid) -> bool {
        let now = Utc::now();
        claim_checkout(
            db,
            customer,
            Uuid::now_v7(),
            3,
            now,
            now - chrono::TimeDelta::minutes(2),
        )
        .await
        .unwrap()
    }

    /// One unpaid order, one paid one, and ten checkouts at once under a cap of 3: exactly two
    /// pass, whatever the interleaving; another customer is not affected.
    async fn concurrent_checkouts_of_one_customer_never_pass_the_cap_together(backend: Backend) {
        let db = database(backend).await;
        let customer = Uuid::now_v7();
        unpaid_order(&db, customer, OrderStatus::PendingPayment).await;
        unpaid_order(&db, customer, OrderStatus::Paid).await;
        let outcomes = futures::future::join_all((0..10).map(|_| claim(&db, customer))).await;
        assert_eq!(
            outcomes.iter().filter(|passed| **passed).count(),
            2,
            "{backend:?}: {outcomes:?}"
        );
        assert!(!claim(&db, customer).await, "{backend:?}: the cap holds");
        assert!(claim(&db, Uuid::now_v7()).await, "{backend:?}: others may");
    }

    /// A claim whose checkout ended (order written or checkout failed) frees its place, and
    /// one left by a crashed checkout lapses.
    async fn claims_end_with_their_checkout_or_lapse(backend: Backend) {
        let db = database(backend).await;
        let customer = Uuid::now_v7();
        let now = Utc::now();
        let first = Uuid::now_v7();
        for order_id in [first, Uuid::now_v7(), Uuid::now_v7()] {
            assert!(
                claim_checkout(&db, customer, order_id, 3, now, now)
                    .await
                    .unwrap()
            );
        }
        assert!(!claim(&db, customer).await, "{backend:?}");
        drop_claim(&db, first).await.unwrap();
        assert!(
            claim(&db, customer).await,
            "{backend:?}: a dropped claim frees its place"
        );
        let later = now + chrono::TimeDelta::minutes(3);
        assert!(
            claim_checkout(
                &db,
                customer,
                Uuid::now_v7(),
                3,
                later,
                later - chrono::TimeDelta::minutes(2)
            )
            .await
            .unwrap(),
            "{backend:?}: stale claims lapse"
        );
    }

    micromall_kit::on_every_backend!(
        concurrent_checkouts_of_one_customer_never_pass_the_cap_together,
        claims_end_with_their_checkout_or_lapse,
    );
}
