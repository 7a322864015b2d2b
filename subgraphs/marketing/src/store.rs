//! The marketing queries: the only place that speaks to the database.

use chrono::{DateTime, Utc};
use micromall_kit::db::UniqueKey;
use sea_orm::sea_query::{Expr, ExprTrait, OnConflict};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, IntoActiveModel, NotSet,
    PaginatorTrait, QueryFilter, QueryOrder, QuerySelect,
};
use uuid::Uuid;

use crate::entity::coupon_use::{HELD, USED};
use crate::entity::{
    announcement, banner, coupon, coupon_use, featured_product, known_product, paid_order,
    placed_line, product_sale, promotion, purchase,
};

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

/// Writes the coupon's terms. Its use counters (holds move them) and `active` (only
/// `deactivate` moves it) are left alone, so an edit racing either never undoes it.
pub async fn update_coupon(db: &impl ConnectionTrait, row: coupon::Model) -> Result<(), DbErr> {
    let mut changes = row.into_active_model().reset_all();
    changes.uses_taken = NotSet;
    changes.times_used = NotSet;
    changes.active = NotSet;
    changes.update(db).await?;
    Ok(())
}

/// Switches a coupon off; false when it was off already (or is not there).
pub async fn deactivate_coupon(
    db: &impl ConnectionTrait,
    id: Uuid,
    now: DateTime<Utc>,
) -> Result<bool, DbErr> {
    let changed = coupon::Entity::update_many()
        .col_expr(coupon::Column::Active, Expr::value(false))
        .col_expr(coupon::Column::UpdatedAt, Expr::value(now))
        .filter(coupon::Column::Id.eq(id))
        .filter(coupon::Column::Active.eq(true))
        .exec(db)
        .await?;
    Ok(changed.rows_affected == 1)
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

/// Orders whose use has been held since before `before`, least recently checked first.
pub async fn stale_holds(
    db: &impl ConnectionTrait,
    before: DateTime<Utc>,
    limit: u64,
) -> Result<Vec<Uuid>, DbErr> {
    Ok(coupon_use::Entity::find()
        .filter(coupon_use::Column::State.eq(HELD))
        .filter(coupon_use::Column::CreatedAt.lt(before))
        .order_by_asc(coupon_use::Column::UpdatedAt)
        .limit(limit)
        .all(db)
        .await?
        .into_iter()
        .map(|u| u.order_id)
        .collect())
}

/// Marks a held use as just checked (it goes to the back of the sweeper's queue).
pub async fn touch_use(
    db: &impl ConnectionTrait,
    order_id: Uuid,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    coupon_use::Entity::update_many()
        .col_expr(coupon_use::Column::UpdatedAt, Expr::value(now))
        .filter(coupon_use::Column::OrderId.eq(order_id))
        .exec(db)
        .await?;
    Ok(())
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

/// Writes the promotion's terms; `active` is left alone (only `deactivate` moves it).
pub async fn update_promotion(
    db: &impl ConnectionTrait,
    row: promotion::Model,
) -> Result<(), DbErr> {
    let mut changes = row.into_active_model().reset_all();
    changes.active = NotSet;
    changes.update(db).await?;
    Ok(())
}

pub async fn deactivate_promotion(
    db: &impl ConnectionTrait,
    id: Uuid,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    promotion::Entity::update_many()
        .col_expr(promotion::Column::Active, Expr::value(false))
        .col_expr(promotion::Column::UpdatedAt, Expr::value(now))
        .filter(promotion::Column::Id.eq(id))
        .exec(db)
        .await?;
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

// The home page.

pub async fn insert_banner(db: &impl ConnectionTrait, row: banner::Model) -> Result<(), DbErr> {
    banner::Entity::insert(row.into_active_model())
        .exec_without_returning(db)
        .await?;
    Ok(())
}

/// Deletes a banner, answering it; `None` when there was none.
pub async fn delete_banner(
    db: &impl ConnectionTrait,
    id: Uuid,
) -> Result<Option<banner::Model>, DbErr> {
    let Some(found) = banner::Entity::find_by_id(id).one(db).await? else {
        return Ok(None);
    };
    banner::Entity::delete_by_id(id).exec(db).await?;
    Ok(Some(found))
}

/// Banners whose window has not ended by `now`, in position order.
pub async fn banners_not_ended(
    db: &impl ConnectionTrait,
    now: DateTime<Utc>,
) -> Result<Vec<banner::Model>, DbErr> {
    banner::Entity::find()
        .filter(
            banner::Column::EndsAt
                .is_null()
                .or(banner::Column::EndsAt.gt(now)),
        )
        .order_by_asc(banner::Column::Position)
        .order_by_asc(banner::Column::Id)
        .all(db)
        .await
}

pub async fn insert_announcement(
    db: &impl ConnectionTrait,
    row: announcement::Model,
) -> Result<(), DbErr> {
    announcement::Entity::insert(row.into_active_model())
        .exec_without_returning(db)
        .await?;
    Ok(())
}

/// Announcements not over by `now`, soonest first.
pub async fn announcements_not_ended(
    db: &impl ConnectionTrait,
    now: DateTime<Utc>,
) -> Result<Vec<announcement::Model>, DbErr> {
    announcement::Entity::find()
        .filter(announcement::Column::EndsAt.gt(now))
        .order_by_asc(announcement::Column::StartsAt)
        .order_by_asc(announcement::Column::Id)
        .all(db)
        .await
}

/// Replaces the featured products with `products`, in that order.
pub async fn set_featured(db: &impl ConnectionTrait, products: &[Uuid]) -> Result<(), DbErr> {
    featured_product::Entity::delete_many().exec(db).await?;
    if products.is_empty() {
        return Ok(());
    }
    featured_product::Entity::insert_many(products.iter().enumerate().map(|(i, id)| {
        featured_product::Model {
            product_id: *id,
            position: i32::try_from(i).unwrap_or(i32::MAX),
        }
        .into_active_model()
    }))
    .exec_without_returning(db)
    .await?;
    Ok(())
}

pub async fn featured(db: &impl ConnectionTrait) -> Result<Vec<Uuid>, DbErr> {
    Ok(featured_product::Entity::find()
        .order_by_asc(featured_product::Column::Position)
        .all(db)
        .await?
        .into_iter()
        .map(|f| f.product_id)
        .collect())
}

/// Records a product as catalog announced it (a later announcement replaces it).
pub async fn remember_product(
    db: &impl ConnectionTrait,
    row: known_product::Model,
) -> Result<(), DbErr> {
    known_product::Entity::insert(row.into_active_model())
        .on_conflict(
            OnConflict::column(known_product::Column::ProductId)
                .update_columns([
                    known_product::Column::CategoryIds,
                    known_product::Column::CreatedAt,
                    known_product::Column::Archived,
                ])
                .to_owned(),
        )
        .exec_without_returning(db)
        .await?;
    Ok(())
}

pub async fn archive_product(db: &impl ConnectionTrait, id: Uuid) -> Result<(), DbErr> {
    known_product::Entity::update_many()
        .col_expr(known_product::Column::Archived, Expr::value(true))
        .filter(known_product::Column::ProductId.eq(id))
        .exec(db)
        .await?;
    Ok(())
}

/// The newest products still for sale.
pub async fn newest_products(db: &impl ConnectionTrait, limit: u64) -> Result<Vec<Uuid>, DbErr> {
    Ok(known_product::Entity::find()
        .filter(known_product::Column::Archived.eq(false))
        .order_by_desc(known_product::Column::CreatedAt)
        .order_by_desc(known_product::Column::ProductId)
        .limit(limit)
        .all(db)
        .await?
        .into_iter()
        .map(|p| p.product_id)
        .collect())
}

pub async fn known_products(
    db: &impl ConnectionTrait,
    ids: &[Uuid],
) -> Result<Vec<known_product::Model>, DbErr> {
    known_product::Entity::find()
        .filter(known_product::Column::ProductId.is_in(ids.iter().copied()))
        .all(db)
        .await
}

/// Keeps a placed order's products until it is paid; a repeat changes nothing.
pub async fn remember_placed(
    db: &impl ConnectionTrait,
    lines: Vec<placed_line::Model>,
) -> Result<(), DbErr> {
    if lines.is_empty() {
        return Ok(());
    }
    placed_line::Entity::insert_many(lines.into_iter().map(IntoActiveModel::into_active_model))
        .on_conflict(
            OnConflict::columns([placed_line::Column::OrderId, placed_line::Column::ProductId])
                .do_nothing()
                .to_owned(),
        )
        .exec_without_returning(db)
        .await?;
    Ok(())
}

/// Takes a placed order's products out (the order was paid or cancelled).
pub async fn take_placed(
    db: &impl ConnectionTrait,
    order_id: Uuid,
) -> Result<Vec<placed_line::Model>, DbErr> {
    let lines = placed_line::Entity::find()
        .filter(placed_line::Column::OrderId.eq(order_id))
        .all(db)
        .await?;
    placed_line::Entity::delete_many()
        .filter(placed_line::Column::OrderId.eq(order_id))
        .exec(db)
        .await?;
    Ok(lines)
}

/// Counts `units` of a product as paid for on `day`.
pub async fn add_sale(
    db: &impl ConnectionTrait,
    product_id: Uuid,
    day: &str,
    units: i64,
) -> Result<(), DbErr> {
    product_sale::Entity::insert(
        product_sale::Model {
            product_id,
            day: day.to_owned(),
            units,
        }
        .into_active_model(),
    )
    .on_conflict(
        OnConflict::columns([product_sale::Column::ProductId, product_sale::Column::Day])
            .value(
                product_sale::Column::Units,
                Expr::col((product_sale::Entity, product_sale::Column::Units)).add(units),
            )
            .to_owned(),
    )
    .exec_without_returning(db)
    .await?;
    Ok(())
}

/// Products by units paid for since `since_day` (inclusive), most first.
pub async fn best_sellers(
    db: &impl ConnectionTrait,
    since_day: &str,
    limit: u64,
) -> Result<Vec<(Uuid, i64)>, DbErr> {
    // SUM of BIGINT is NUMERIC on PostgreSQL: cast it back.
    let units = || Expr::cust("CAST(SUM(units) AS BIGINT)");
    product_sale::Entity::find()
        .select_only()
        .column(product_sale::Column::ProductId)
        .column_as(units(), "units")
        .filter(product_sale::Column::Day.gte(since_day))
        .group_by(product_sale::Column::ProductId)
        .order_by_desc(units())
        .order_by_asc(product_sale::Column::ProductId)
        .limit(limit)
        .into_tuple::<(Uuid, i64)>()
        .all(db)
        .await
}

pub async fn remember_purchase(
    db: &impl ConnectionTrait,
    customer_id: Uuid,
    product_id: Uuid,
    at: DateTime<Utc>,
) -> Result<(), DbErr> {
    purchase::Entity::insert(
        purchase::Model {
            customer_id,
            product_id,
            purchased_at: at,
        }
        .into_active_model(),
    )
    .on_conflict(
        OnConflict::columns([purchase::Column::CustomerId, purchase::Column::ProductId])
            .update_column(purchase::Column::PurchasedAt)
            .to_owned(),
    )
    .exec_without_returning(db)
    .await?;
    Ok(())
}

/// What the customer bought, most recent first (at most `limit`).
pub async fn purchases_of(
    db: &impl ConnectionTrait,
    customer_id: Uuid,
    limit: u64,
) -> Result<Vec<Uuid>, DbErr> {
    Ok(purchase::Entity::find()
        .filter(purchase::Column::CustomerId.eq(customer_id))
        .order_by_desc(purchase::Column::PurchasedAt)
        .limit(limit)
        .all(db)
        .await?
        .into_iter()
        .map(|p| p.product_id)
        .collect())
}

/// Notes an order paid before its placement was heard of.
pub async fn remember_paid(
    db: &impl ConnectionTrait,
    order_id: Uuid,
    at: DateTime<Utc>,
) -> Result<(), DbErr> {
    paid_order::Entity::insert(
        paid_order::Model {
            order_id,
            paid_at: at,
        }
        .into_active_model(),
    )
    .on_conflict(
        OnConflict::column(paid_order::Column::OrderId)
            .do_nothing()
            .to_owned(),
    )
    .exec_without_returning(db)
    .await?;
    Ok(())
}

/// Takes out the note that the order was paid early; when it was paid.
pub async fn take_paid(
    db: &impl ConnectionTrait,
    order_id: Uuid,
) -> Result<Option<DateTime<Utc>>, DbErr> {
    let Some(found) = paid_order::Entity::find_by_id(order_id).one(db).await? else {
        return Ok(None);
    };
    paid_order::Entity::delete_by_id(order_id).exec(db).await?;
    Ok(Some(found.paid_at))
}
