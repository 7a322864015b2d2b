//! The marketing queries: the only place that speaks to the database.

use chrono::{DateTime, Utc};
use micromall_kit::db::UniqueKey;
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, IntoActiveModel, NotSet,
    PaginatorTrait, QueryFilter, QueryOrder, QuerySelect,
};
use uuid::Uuid;

use crate::entity::coupon_use::{HELD, USED};
use crate::entity::{coupon, coupon_use, promotion};

/// Unique columns, as each database names the constraint.
pub const CODES: [UniqueKey<()>; 1] = [UniqueKey {
    postgres: "coupons_code_key_key",
    sqlite: "coupons.code_key",
    means: (),
}];

pub async fn insert_coupon(db: &impl ConnectionTrait, row: coupon::Model) -> Result<(), DbErr> {
    coupon::Entity::insert(row.into_active_model())
        .exec_without_returning(db)
        .await?;
    Ok(())
}

/// Many coupons in one statement (generated codes); all or none.
pub async fn insert_coupons(
    db: &impl ConnectionTrait,
    rows: Vec<coupon::Model>,
) -> Result<(), DbErr> {
    if rows.is_empty() {
        return Ok(());
    }
    coupon::Entity::insert_many(rows.into_iter().map(IntoActiveModel::into_active_model))
        .exec_without_returning(db)
        .await?;
    Ok(())
}

/// Writes the coupon's terms and `active`; its use counters are left alone (holds move
/// them, concurrently with an edit).
pub async fn update_coupon(db: &impl ConnectionTrait, row: coupon::Model) -> Result<(), DbErr> {
    let mut changes = row.into_active_model().reset_all();
    changes.uses_taken = NotSet;
    changes.times_used = NotSet;
    changes.update(db).await?;
    Ok(())
}

pub async fn coupon(db: &impl ConnectionTrait, id: Uuid) -> Result<Option<coupon::Model>, DbErr> {
    coupon::Entity::find_by_id(id).one(db).await
}

pub async fn coupon_by_key(
    db: &impl ConnectionTrait,
    key: &str,
) -> Result<Option<coupon::Model>, DbErr> {
    coupon::Entity::find()
        .filter(coupon::Column::CodeKey.eq(key))
        .one(db)
        .await
}

/// A page of coupons, oldest first, after the coupon `after`; and how many there are.
pub async fn coupons(
    db: &impl ConnectionTrait,
    after: Option<Uuid>,
    limit: u64,
) -> Result<(Vec<coupon::Model>, u64), DbErr> {
    let mut page = coupon::Entity::find().order_by_asc(coupon::Column::Id);
    if let Some(after) = after {
        page = page.filter(coupon::Column::Id.gt(after));
    }
    let rows = page.limit(limit).all(db).await?;
    let total = coupon::Entity::find().count(db).await?;
    Ok((rows, total))
}

/// Takes one use of the coupon if its limit allows: the check and the increment are one
/// statement, and on PostgreSQL the row stays locked until the caller commits, so holds of
/// one coupon queue and none overtakes another. False when every use is taken.
pub async fn take_use(db: &impl ConnectionTrait, coupon_id: Uuid) -> Result<bool, DbErr> {
    let taken = coupon::Entity::update_many()
        .col_expr(
            coupon::Column::UsesTaken,
            Expr::col(coupon::Column::UsesTaken).add(1),
        )
        .filter(coupon::Column::Id.eq(coupon_id))
        .filter(
            coupon::Column::UsageLimit
                .is_null()
                .or(Expr::col(coupon::Column::UsesTaken).lt(Expr::col(coupon::Column::UsageLimit))),
        )
        .exec(db)
        .await?;
    Ok(taken.rows_affected == 1)
}

/// Uses of the coupon by the customer that count (held or used).
pub async fn customer_uses(
    db: &impl ConnectionTrait,
    coupon_id: Uuid,
    customer: Uuid,
) -> Result<i64, DbErr> {
    let count = coupon_use::Entity::find()
        .filter(coupon_use::Column::CouponId.eq(coupon_id))
        .filter(coupon_use::Column::CustomerId.eq(customer))
        .filter(coupon_use::Column::State.is_in([HELD, USED]))
        .count(db)
        .await?;
    Ok(i64::try_from(count).unwrap_or(i64::MAX))
}

pub async fn use_of_order(
    db: &impl ConnectionTrait,
    order_id: Uuid,
) -> Result<Option<coupon_use::Model>, DbErr> {
    coupon_use::Entity::find_by_id(order_id).one(db).await
}

pub async fn insert_use(
    db: &impl ConnectionTrait,
    order_id: Uuid,
    coupon_id: Uuid,
    customer_id: Uuid,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    coupon_use::Entity::insert(
        coupon_use::Model {
            order_id,
            coupon_id,
            customer_id,
            state: HELD.to_owned(),
            created_at: now,
            updated_at: now,
        }
        .into_active_model(),
    )
    .exec_without_returning(db)
    .await?;
    Ok(())
}

/// Moves the order's use from one of `from` to `to`; false when it was in none of them
/// (already moved: a repeat changes nothing).
pub async fn move_use(
    db: &impl ConnectionTrait,
    order_id: Uuid,
    from: &[&str],
    to: &str,
    now: DateTime<Utc>,
) -> Result<bool, DbErr> {
    let moved = coupon_use::Entity::update_many()
        .col_expr(coupon_use::Column::State, Expr::value(to))
        .col_expr(coupon_use::Column::UpdatedAt, Expr::value(now))
        .filter(coupon_use::Column::OrderId.eq(order_id))
        .filter(coupon_use::Column::State.is_in(from.iter().copied()))
        .exec(db)
        .await?;
    Ok(moved.rows_affected == 1)
}

/// Adds `taken` to the coupon's uses taken and `used` to its paid uses.
pub async fn count_uses(
    db: &impl ConnectionTrait,
    coupon_id: Uuid,
    taken: i64,
    used: i64,
) -> Result<(), DbErr> {
    coupon::Entity::update_many()
        .col_expr(
            coupon::Column::UsesTaken,
            Expr::col(coupon::Column::UsesTaken).add(taken),
        )
        .col_expr(
            coupon::Column::TimesUsed,
            Expr::col(coupon::Column::TimesUsed).add(used),
        )
        .filter(coupon::Column::Id.eq(coupon_id))
        .exec(db)
        .await?;
    Ok(())
}

pub async fn insert_promotion(
    db: &impl ConnectionTrait,
    row: promotion::Model,
) -> Result<(), DbErr> {
    promotion::Entity::insert(row.into_active_model())
        .exec_without_returning(db)
        .await?;
    Ok(())
}

pub async fn update_promotion(
    db: &impl ConnectionTrait,
    row: promotion::Model,
) -> Result<(), DbErr> {
    row.into_active_model().reset_all().update(db).await?;
    Ok(())
}

pub async fn promotion(
    db: &impl ConnectionTrait,
    id: Uuid,
) -> Result<Option<promotion::Model>, DbErr> {
    promotion::Entity::find_by_id(id).one(db).await
}

/// Every promotion, newest first (a shop has tens, not thousands).
pub async fn promotions(db: &impl ConnectionTrait) -> Result<Vec<promotion::Model>, DbErr> {
    promotion::Entity::find()
        .order_by_desc(promotion::Column::Id)
        .all(db)
        .await
}

/// The active promotions whose window has not ended by `now` (those not started yet are
/// left to the caller, which knows the instant it prices at).
pub async fn live_promotions(
    db: &impl ConnectionTrait,
    now: DateTime<Utc>,
) -> Result<Vec<promotion::Model>, DbErr> {
    promotion::Entity::find()
        .filter(promotion::Column::Active.eq(true))
        .filter(
            promotion::Column::EndsAt
                .is_null()
                .or(promotion::Column::EndsAt.gt(now)),
        )
        .order_by_asc(promotion::Column::Id)
        .all(db)
        .await
}
