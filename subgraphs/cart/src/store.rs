//! Queries on the cart tables.
//!
//! Writers lock the cart row first (`FOR UPDATE` on PostgreSQL; on SQLite the IMMEDIATE
//! write transaction already serialises writers), so changes to one cart happen one after
//! the other and each sees the lines the previous one committed.

use chrono::Utc;
use sea_orm::sea_query::Expr;
use sea_orm::{
    AccessMode, ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseBackend,
    DatabaseConnection, DatabaseTransaction, DbErr, EntityTrait, IsolationLevel, PaginatorTrait,
    QueryFilter, QueryOrder, QuerySelect, Set, TransactionOptions, TransactionTrait,
    TryInsertResult,
};
use uuid::Uuid;

use crate::entity::{cart, cart_line, guest_cart};

pub async fn cart_of_user(
    db: &impl ConnectionTrait,
    user_id: Uuid,
) -> Result<Option<cart::Model>, DbErr> {
    cart::Entity::find()
        .filter(cart::Column::UserId.eq(user_id))
        .one(db)
        .await
}

/// Creates the user's empty cart unless they have one (a racing creator wins quietly); the
/// new cart's id when this call made it.
pub async fn ensure_cart(db: &impl ConnectionTrait, user_id: Uuid) -> Result<Option<Uuid>, DbErr> {
    let now = Utc::now();
    let id = Uuid::now_v7();
    let made = cart::Entity::insert(cart::ActiveModel {
        id: Set(id),
        user_id: Set(user_id),
        version: Set(0),
        coupon_code: Set(None),
        coupon_version: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
    })
    .on_conflict_do_nothing_on([cart::Column::UserId])
    .exec_without_returning(db)
    .await?;
    Ok(matches!(made, TryInsertResult::Inserted(n) if n > 0).then_some(id))
}

/// The user's cart, locked until the transaction ends.
pub async fn lock_cart_of_user(
    db: &impl ConnectionTrait,
    user_id: Uuid,
) -> Result<Option<cart::Model>, DbErr> {
    cart::Entity::find()
        .filter(cart::Column::UserId.eq(user_id))
        .lock_exclusive()
        .one(db)
        .await
}

/// A cart by id, locked until the transaction ends.
pub async fn lock_cart(
    db: &impl ConnectionTrait,
    cart_id: Uuid,
) -> Result<Option<cart::Model>, DbErr> {
    cart::Entity::find_by_id(cart_id)
        .lock_exclusive()
        .one(db)
        .await
}

/// Moves a locked cart to its next version and returns that version.
pub async fn advance_version(db: &impl ConnectionTrait, cart: &cart::Model) -> Result<i64, DbErr> {
    let next = cart.version + 1;
    cart::Entity::update_many()
        .col_expr(cart::Column::Version, Expr::value(next))
        .col_expr(cart::Column::UpdatedAt, Expr::value(Utc::now()))
        .filter(cart::Column::Id.eq(cart.id))
        .exec(db)
        .await?;
    Ok(next)
}

pub async fn set_coupon(
    db: &impl ConnectionTrait,
    cart_id: Uuid,
    code: Option<&str>,
    version: i64,
) -> Result<(), DbErr> {
    cart::Entity::update_many()
        .col_expr(
            cart::Column::CouponCode,
            Expr::value(code.map(str::to_owned)),
        )
        .col_expr(
            cart::Column::CouponVersion,
            Expr::value(code.map(|_| version)),
        )
        .filter(cart::Column::Id.eq(cart_id))
        .exec(db)
        .await?;
    Ok(())
}

/// The lines of a cart, oldest first.
pub async fn lines_of(
    db: &impl ConnectionTrait,
    cart_id: Uuid,
) -> Result<Vec<cart_line::Model>, DbErr> {
    cart_line::Entity::find()
        .filter(cart_line::Column::CartId.eq(cart_id))
        .order_by_asc(cart_line::Column::Id)
        .all(db)
        .await
}

pub async fn line_count(db: &impl ConnectionTrait, cart_id: Uuid) -> Result<u64, DbErr> {
    cart_line::Entity::find()
        .filter(cart_line::Column::CartId.eq(cart_id))
        .count(db)
        .await
}

pub async fn line_for_variant(
    db: &impl ConnectionTrait,
    cart_id: Uuid,
    variant_id: Uuid,
) -> Result<Option<cart_line::Model>, DbErr> {
    cart_line::Entity::find()
        .filter(cart_line::Column::CartId.eq(cart_id))
        .filter(cart_line::Column::VariantId.eq(variant_id))
        .one(db)
        .await
}

/// A line, only if it belongs to `cart_id`.
pub async fn line_in_cart(
    db: &impl ConnectionTrait,
    cart_id: Uuid,
    line_id: Uuid,
) -> Result<Option<cart_line::Model>, DbErr> {
    cart_line::Entity::find_by_id(line_id)
        .filter(cart_line::Column::CartId.eq(cart_id))
        .one(db)
        .await
}

pub async fn insert_line(
    db: &impl ConnectionTrait,
    cart_id: Uuid,
    variant_id: Uuid,
    quantity: i32,
    version: i64,
) -> Result<(), DbErr> {
    let now = Utc::now();
    cart_line::ActiveModel {
        id: Set(Uuid::now_v7()),
        cart_id: Set(cart_id),
        variant_id: Set(variant_id),
        quantity: Set(quantity),
        version: Set(version),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(db)
    .await?;
    Ok(())
}

pub async fn set_line_quantity(
    db: &impl ConnectionTrait,
    line_id: Uuid,
    quantity: i32,
    version: i64,
) -> Result<(), DbErr> {
    cart_line::Entity::update_many()
        .col_expr(cart_line::Column::Quantity, Expr::value(quantity))
        .col_expr(cart_line::Column::Version, Expr::value(version))
        .col_expr(cart_line::Column::UpdatedAt, Expr::value(Utc::now()))
        .filter(cart_line::Column::Id.eq(line_id))
        .exec(db)
        .await?;
    Ok(())
}

/// Deletes a line of `cart_id`; false when there was none.
pub async fn delete_line(
    db: &impl ConnectionTrait,
    cart_id: Uuid,
    line_id: Uuid,
) -> Result<bool, DbErr> {
    let result = cart_line::Entity::delete_many()
        .filter(cart_line::Column::Id.eq(line_id))
        .filter(cart_line::Column::CartId.eq(cart_id))
        .exec(db)
        .await?;
    Ok(result.rows_affected > 0)
}

/// Deletes the lines that last changed at or before `version`; returns how many.
pub async fn delete_lines_up_to(
    db: &impl ConnectionTrait,
    cart_id: Uuid,
    version: i64,
) -> Result<u64, DbErr> {
    let result = cart_line::Entity::delete_many()
        .filter(cart_line::Column::CartId.eq(cart_id))
        .filter(cart_line::Column::Version.lte(version))
        .exec(db)
        .await?;
    Ok(result.rows_affected)
}

pub async fn cart_by_id(
    db: &impl ConnectionTrait,
    cart_id: Uuid,
) -> Result<Option<cart::Model>, DbErr> {
    cart::Entity::find_by_id(cart_id).one(db).await
}

/// A read-only transaction whose statements all see one state of the database: a cart's
/// version and its lines read in it belong together. (SQLite in WAL mode keeps one snapshot
/// per transaction by itself; PostgreSQL needs REPEATABLE READ for it.)
pub async fn begin_read(db: &DatabaseConnection) -> Result<DatabaseTransaction, DbErr> {
    let options = match db.get_database_backend() {
        DatabaseBackend::Postgres => TransactionOptions {
            isolation_level: Some(IsolationLevel::RepeatableRead),
            access_mode: Some(AccessMode::ReadOnly),
            ..TransactionOptions::default()
        },
        _ => TransactionOptions::default(),
    };
    db.begin_with_options(options).await
}

/// Registers a guest's cart owner under the token's hash.
pub async fn insert_guest(
    db: &impl ConnectionTrait,
    token_hash: &str,
    owner_id: Uuid,
) -> Result<(), DbErr> {
    let now = Utc::now();
    guest_cart::Entity::insert(guest_cart::ActiveModel {
        token_hash: Set(token_hash.to_owned()),
        owner_id: Set(owner_id),
        created_at: Set(now),
        last_used_at: Set(now),
    })
    .exec_without_returning(db)
    .await?;
    Ok(())
}

/// The owner of the guest cart whose token hashes to `token_hash`, used now.
pub async fn use_guest(db: &impl ConnectionTrait, token_hash: &str) -> Result<Option<Uuid>, DbErr> {
    let Some(guest) = guest_cart::Entity::find_by_id(token_hash.to_owned())
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    guest_cart::Entity::update_many()
        .col_expr(guest_cart::Column::LastUsedAt, Expr::value(Utc::now()))
        .filter(guest_cart::Column::TokenHash.eq(token_hash))
        .exec(db)
        .await?;
    Ok(Some(guest.owner_id))
}

/// Owners of guest carts unused since `before`, oldest first.
pub async fn idle_guests(
    db: &impl ConnectionTrait,
    before: chrono::DateTime<Utc>,
    limit: u64,
) -> Result<Vec<Uuid>, DbErr> {
    Ok(guest_cart::Entity::find()
        .filter(guest_cart::Column::LastUsedAt.lt(before))
        .order_by_asc(guest_cart::Column::LastUsedAt)
        .limit(limit)
        .all(db)
        .await?
        .into_iter()
        .map(|g| g.owner_id)
        .collect())
}

/// Deletes the guest's token if it is still unused since `before`; whether it did.
pub async fn forget_idle_guest(
    db: &impl ConnectionTrait,
    owner_id: Uuid,
    before: chrono::DateTime<Utc>,
) -> Result<bool, DbErr> {
    let deleted = guest_cart::Entity::delete_many()
        .filter(guest_cart::Column::OwnerId.eq(owner_id))
        .filter(guest_cart::Column::LastUsedAt.lt(before))
        .exec(db)
        .await?;
    Ok(deleted.rows_affected == 1)
}

/// Deletes a guest: its token, its cart and the cart's lines.
pub async fn delete_guest(db: &impl ConnectionTrait, owner_id: Uuid) -> Result<(), DbErr> {
    if let Some(cart) = cart_of_user(db, owner_id).await? {
        cart_line::Entity::delete_many()
            .filter(cart_line::Column::CartId.eq(cart.id))
            .exec(db)
            .await?;
        cart::Entity::delete_by_id(cart.id).exec(db).await?;
    }
    guest_cart::Entity::delete_many()
        .filter(guest_cart::Column::OwnerId.eq(owner_id))
        .exec(db)
        .await?;
    Ok(())
}
