//! Queries on the inventory tables. Writers lock rows in one order — reservation, then
//! `variant_stock` by variant id, then `stock_levels` — so concurrent writers queue instead of
//! deadlocking. Row locks (`FOR UPDATE`) are PostgreSQL's; SQLite's IMMEDIATE write
//! transactions already run one at a time.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, ExprTrait, Func, Query, QueryStatementBuilder};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, Set,
};
use uuid::Uuid;

use crate::entity::{
    reservation, reservation_line, stock_level, stock_movement, variant_stock, warehouse,
};
use crate::rules::{HoldStatus, MovementKind};

pub async fn default_warehouse(
    db: &impl ConnectionTrait,
) -> Result<Option<warehouse::Model>, DbErr> {
    warehouse::Entity::find()
        .filter(warehouse::Column::IsDefault.eq(true))
        .order_by_asc(warehouse::Column::Id)
        .one(db)
        .await
}

/// Stock of many variants in one query; variants never stocked are absent.
pub async fn stock_of(
    db: &impl ConnectionTrait,
    variants: &[Uuid],
) -> Result<HashMap<Uuid, variant_stock::Model>, DbErr> {
    if variants.is_empty() {
        return Ok(HashMap::new());
    }
    Ok(variant_stock::Entity::find()
        .filter(variant_stock::Column::VariantId.is_in(variants.iter().copied()))
        .all(db)
        .await?
        .into_iter()
        .map(|s| (s.variant_id, s))
        .collect())
}

/// Makes sure the variant has its aggregate row, then locks it: what every change to a
/// variant's shelves starts with.
pub async fn lock_variant(
    db: &impl ConnectionTrait,
    variant: Uuid,
    now: DateTime<Utc>,
) -> Result<variant_stock::Model, DbErr> {
    variant_stock::Entity::insert(variant_stock::ActiveModel {
        variant_id: Set(variant),
        on_hand: Set(0),
        reserved: Set(0),
        updated_at: Set(now),
    })
    .on_conflict_do_nothing()
    .exec_without_returning(db)
    .await?;
    variant_stock::Entity::find_by_id(variant)
        .lock_exclusive()
        .one(db)
        .await?
        .ok_or_else(|| DbErr::RecordNotFound(format!("variant_stock {variant}")))
}

/// The shelves of one variant, locked.
pub async fn lock_shelves(
    db: &impl ConnectionTrait,
    variant: Uuid,
) -> Result<Vec<stock_level::Model>, DbErr> {
    stock_level::Entity::find()
        .filter(stock_level::Column::VariantId.eq(variant))
        .order_by_asc(stock_level::Column::WarehouseId)
        .lock_exclusive()
        .all(db)
        .await
}

/// Sets what one warehouse holds of a variant (the caller holds the variant's lock).
pub async fn put_on_shelf(
    db: &impl ConnectionTrait,
    existing: Option<&stock_level::Model>,
    variant: Uuid,
    warehouse: Uuid,
    on_hand: i64,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    let row = stock_level::ActiveModel {
        variant_id: Set(variant),
        warehouse_id: Set(warehouse),
        on_hand: Set(on_hand),
        updated_at: Set(now),
    };
    match existing {
        Some(_) => row.update(db).await.map(|_| ()),
        None => stock_level::Entity::insert(row)
            .exec_without_returning(db)
            .await
            .map(|_| ()),
    }
}

/// Sets the variant's on-hand to the sum over its warehouses, in the same statement that
/// reads them, and returns the row as it now is.
pub async fn recount_on_hand(
    db: &impl ConnectionTrait,
    variant: Uuid,
    now: DateTime<Utc>,
) -> Result<variant_stock::Model, DbErr> {
    let sum = Query::select()
        .expr(Func::coalesce([
            Expr::from(Func::sum(Expr::col(stock_level::Column::OnHand))),
            Expr::val(0i64),
        ]))
        .from(stock_level::Entity)
        .and_where(stock_level::Column::VariantId.eq(variant))
        .to_owned();
    variant_stock::Entity::update_many()
        .col_expr(
            variant_stock::Column::OnHand,
            Expr::SubQuery(None, Box::new(sum.into_sub_query_statement())),
        )
        .col_expr(variant_stock::Column::UpdatedAt, Expr::val(now))
        .filter(variant_stock::Column::VariantId.eq(variant))
        .exec(db)
        .await?;
    variant_stock::Entity::find_by_id(variant)
        .one(db)
        .await?
        .ok_or_else(|| DbErr::RecordNotFound(format!("variant_stock {variant}")))
}

/// Sets `quantity` aside if that much is available, in one statement: the check and the
/// change cannot be separated by another writer. Returns whether it was.
pub async fn hold_if_available(
    db: &impl ConnectionTrait,
    variant: Uuid,
    quantity: i64,
    now: DateTime<Utc>,
) -> Result<bool, DbErr> {
    let result = variant_stock::Entity::update_many()
        .col_expr(
            variant_stock::Column::Reserved,
            Expr::col(variant_stock::Column::Reserved).add(quantity),
        )
        .col_expr(variant_stock::Column::UpdatedAt, Expr::val(now))
        .filter(variant_stock::Column::VariantId.eq(variant))
        .filter(
            Expr::col(variant_stock::Column::OnHand)
                .sub(Expr::col(variant_stock::Column::Reserved))
                .gte(quantity),
        )
        .exec(db)
        .await?;
    Ok(result.rows_affected == 1)
}

/// Changes a variant's totals by the given amounts (the caller holds its lock or is the
/// only writer that may change them this way).
pub async fn shift_totals(
    db: &impl ConnectionTrait,
    variant: Uuid,
    on_hand: i64,
    reserved: i64,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    variant_stock::Entity::update_many()
        .col_expr(
            variant_stock::Column::OnHand,
            Expr::col(variant_stock::Column::OnHand).add(on_hand),
        )
        .col_expr(
            variant_stock::Column::Reserved,
            Expr::col(variant_stock::Column::Reserved).add(reserved),
        )
        .col_expr(variant_stock::Column::UpdatedAt, Expr::val(now))
        .filter(variant_stock::Column::VariantId.eq(variant))
        .exec(db)
        .await?;
    Ok(())
}

pub async fn reservation(
    db: &impl ConnectionTrait,
    id: Uuid,
) -> Result<Option<reservation::Model>, DbErr> {
    reservation::Entity::find_by_id(id).one(db).await
}

/// A reservation, locked until the transaction ends.
pub async fn lock_reservation(
    db: &impl ConnectionTrait,
    id: Uuid,
) -> Result<Option<reservation::Model>, DbErr> {
    reservation::Entity::find_by_id(id)
        .lock_exclusive()
        .one(db)
        .await
}

pub async fn insert_reservation(
    db: &impl ConnectionTrait,
    id: Uuid,
    expires_at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    reservation::Entity::insert(reservation::ActiveModel {
        id: Set(id),
        status: Set(HoldStatus::Held.as_str().to_owned()),
        expires_at: Set(expires_at),
        reason: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
    })
    .exec_without_returning(db)
    .await?;
    Ok(())
}

pub async fn set_reservation_status(
    db: &impl ConnectionTrait,
    id: Uuid,
    status: HoldStatus,
    reason: Option<&str>,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    let mut update = reservation::Entity::update_many()
        .col_expr(reservation::Column::Status, Expr::val(status.as_str()))
        .col_expr(reservation::Column::UpdatedAt, Expr::val(now));
    if let Some(reason) = reason {
        update = update.col_expr(reservation::Column::Reason, Expr::val(reason));
    }
    update
        .filter(reservation::Column::Id.eq(id))
        .exec(db)
        .await?;
    Ok(())
}

pub async fn insert_lines(
    db: &impl ConnectionTrait,
    reservation: Uuid,
    lines: &[(Uuid, i64)],
) -> Result<(), DbErr> {
    reservation_line::Entity::insert_many(lines.iter().map(|&(variant, quantity)| {
        reservation_line::ActiveModel {
            reservation_id: Set(reservation),
            variant_id: Set(variant),
            quantity: Set(quantity),
        }
    }))
    .exec_without_returning(db)
    .await?;
    Ok(())
}

/// The lines of a reservation, by variant id (the lock order).
pub async fn lines_of(
    db: &impl ConnectionTrait,
    reservation: Uuid,
) -> Result<Vec<(Uuid, i64)>, DbErr> {
    Ok(reservation_line::Entity::find()
        .filter(reservation_line::Column::ReservationId.eq(reservation))
        .order_by_asc(reservation_line::Column::VariantId)
        .all(db)
        .await?
        .into_iter()
        .map(|l| (l.variant_id, l.quantity))
        .collect())
}

/// Held reservations whose time is up, oldest first.
pub async fn expired_holds(
    db: &impl ConnectionTrait,
    now: DateTime<Utc>,
    limit: u64,
) -> Result<Vec<Uuid>, DbErr> {
    reservation::Entity::find()
        .select_only()
        .column(reservation::Column::Id)
        .filter(reservation::Column::Status.eq(HoldStatus::Held.as_str()))
        .filter(reservation::Column::ExpiresAt.lte(now))
        .order_by_asc(reservation::Column::ExpiresAt)
        .limit(limit)
        .into_tuple::<Uuid>()
        .all(db)
        .await
}

/// A ledger line about to be written.
pub struct Movement {
    pub variant: Uuid,
    pub warehouse: Option<Uuid>,
    pub kind: MovementKind,
    pub quantity: i64,
    pub on_hand_after: i64,
    pub reserved_after: i64,
    pub reference: Option<Uuid>,
    pub note: Option<String>,
}

impl Movement {
    /// A line about hold `reference`: `quantity` of `kind`, leaving `(on hand, reserved)`.
    pub fn of_hold(
        reference: Uuid,
        variant: Uuid,
        kind: MovementKind,
        quantity: i64,
        (on_hand_after, reserved_after): (i64, i64),
    ) -> Self {
        Self {
            variant,
            warehouse: None,
            kind,
            quantity,
            on_hand_after,
            reserved_after,
            reference: Some(reference),
            note: None,
        }
    }

    /// The goods moved on or off this warehouse's shelf.
    pub fn on_shelf(mut self, warehouse: Uuid) -> Self {
        self.warehouse = Some(warehouse);
        self
    }

    pub fn noted(mut self, note: Option<String>) -> Self {
        self.note = note;
        self
    }
}

/// Writes ledger lines; ids are taken now, under the caller's locks, so a variant's lines
/// sort in the order its changes happened.
pub async fn record(
    db: &impl ConnectionTrait,
    movements: Vec<Movement>,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    if movements.is_empty() {
        return Ok(());
    }
    stock_movement::Entity::insert_many(movements.into_iter().map(|m| {
        stock_movement::ActiveModel {
            id: Set(Uuid::now_v7()),
            variant_id: Set(m.variant),
            warehouse_id: Set(m.warehouse),
            kind: Set(m.kind.as_str().to_owned()),
            quantity: Set(m.quantity),
            on_hand_after: Set(m.on_hand_after),
            reserved_after: Set(m.reserved_after),
            reference: Set(m.reference),
            note: Set(m.note),
            created_at: Set(now),
        }
    }))
    .exec_without_returning(db)
    .await?;
    Ok(())
}
