//! Queries on the reviews tables. A change to a review and the change it makes to its
//! product's totals run in one transaction, and writers take rows in one order — a vote,
//! then the review, then the product's totals — so concurrent writers queue instead of
//! deadlocking. Counters move by `SET n = n + 1` in one statement and states flip by
//! conditional `UPDATE`s whose row count says whether this writer flipped them: never a read
//! followed by a write back. (PostgreSQL's `UPDATE` holds the row until commit; SQLite's
//! IMMEDIATE write transactions already run one at a time.)

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use micromall_kit::db::{UniqueKey, violated};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DbErr, EntityTrait, IntoActiveModel, PaginatorTrait,
    QueryFilter, QueryOrder, QuerySelect, Set, TryInsertResult,
};
use uuid::Uuid;

use crate::entity::{product_rating, purchase, review, review_vote};
use crate::rules::{Position, ReviewOrder, Tally, TallyChange};

/// The reviews tables' unique keys that a client's input can run into.
const ONE_PER_CUSTOMER: [UniqueKey<()>; 1] = [UniqueKey {
    postgres: "reviews_one_per_customer",
    sqlite: "reviews.author_id",
    means: (),
}];

/// Whether a failed insert of a review lost to another review of the same customer and product.
pub fn already_reviewed(err: &DbErr) -> bool {
    violated(err, &ONE_PER_CUSTOMER).is_some()
}

/// Records that `customer` received `products` (once each, whatever is delivered again).
pub async fn record_purchases(
    db: &impl ConnectionTrait,
    customer: Uuid,
    products: &[Uuid],
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    purchase::Entity::insert_many(products.iter().map(|&product| purchase::ActiveModel {
        customer_id: Set(customer),
        product_id: Set(product),
        delivered_at: Set(now),
    }))
    .on_conflict_do_nothing()
    .exec_without_returning(db)
    .await?;
    Ok(())
}

pub async fn has_purchased(
    db: &impl ConnectionTrait,
    customer: Uuid,
    product: Uuid,
) -> Result<bool, DbErr> {
    Ok(purchase::Entity::find_by_id((customer, product))
        .one(db)
        .await?
        .is_some())
}

pub async fn insert_review(db: &impl ConnectionTrait, review: review::Model) -> Result<(), DbErr> {
    review::Entity::insert(review.into_active_model())
        .exec_without_returning(db)
        .await?;
    Ok(())
}

pub async fn review(db: &impl ConnectionTrait, id: Uuid) -> Result<Option<review::Model>, DbErr> {
    review::Entity::find_by_id(id).one(db).await
}

/// A review that must be there (the caller has just changed it in its transaction).
pub async fn review_now(db: &impl ConnectionTrait, id: Uuid) -> Result<review::Model, DbErr> {
    review(db, id)
        .await?
        .ok_or_else(|| DbErr::RecordNotFound(format!("review {id}")))
}

/// Hides (`hidden`) or shows the review; true only for the writer that changed it.
pub async fn set_hidden(
    db: &impl ConnectionTrait,
    id: Uuid,
    hidden: bool,
    now: DateTime<Utc>,
) -> Result<bool, DbErr> {
    let (hidden_at, still) = if hidden {
        (Expr::val(Some(now)), review::Column::HiddenAt.is_null())
    } else {
        (
            Expr::val(Option::<DateTime<Utc>>::None),
            review::Column::HiddenAt.is_not_null(),
        )
    };
    let result = review::Entity::update_many()
        .col_expr(review::Column::HiddenAt, hidden_at)
        .col_expr(review::Column::UpdatedAt, Expr::val(now))
        .filter(review::Column::Id.eq(id))
        .filter(still)
        .exec(db)
        .await?;
    Ok(result.rows_affected == 1)
}

pub async fn set_reply(
    db: &impl ConnectionTrait,
    id: Uuid,
    reply: &str,
    now: DateTime<Utc>,
) -> Result<bool, DbErr> {
    let result = review::Entity::update_many()
        .col_expr(review::Column::Reply, Expr::val(reply))
        .col_expr(review::Column::RepliedAt, Expr::val(now))
        .col_expr(review::Column::UpdatedAt, Expr::val(now))
        .filter(review::Column::Id.eq(id))
        .exec(db)
        .await?;
    Ok(result.rows_affected == 1)
}

/// The column counting reviews of `change`'s rating.
fn star_column(change: TallyChange) -> product_rating::Column {
    [
        product_rating::Column::OneStar,
        product_rating::Column::TwoStars,
        product_rating::Column::ThreeStars,
        product_rating::Column::FourStars,
        product_rating::Column::FiveStars,
    ][change.star()]
}

/// Applies `change` to the product's totals in one statement and returns them as they now
/// are (the row stays locked by this transaction on PostgreSQL).
pub async fn shift_tally(
    db: &impl ConnectionTrait,
    product: Uuid,
    change: TallyChange,
    now: DateTime<Utc>,
) -> Result<Tally, DbErr> {
    product_rating::Entity::insert(product_rating::ActiveModel {
        product_id: Set(product),
        review_count: Set(0),
        rating_sum: Set(0),
        one_star: Set(0),
        two_stars: Set(0),
        three_stars: Set(0),
        four_stars: Set(0),
        five_stars: Set(0),
        version: Set(0),
        updated_at: Set(now),
    })
    .on_conflict_do_nothing()
    .exec_without_returning(db)
    .await?;
    let plus = |column: product_rating::Column, by: i64| Expr::col(column).add(by);
    let star = star_column(change);
    product_rating::Entity::update_many()
        .col_expr(
            product_rating::Column::ReviewCount,
            plus(product_rating::Column::ReviewCount, change.by),
        )
        .col_expr(
            product_rating::Column::RatingSum,
            plus(
                product_rating::Column::RatingSum,
                change.by * i64::from(change.rating),
            ),
        )
        .col_expr(star, plus(star, change.by))
        .col_expr(
            product_rating::Column::Version,
            plus(product_rating::Column::Version, 1),
        )
        .col_expr(product_rating::Column::UpdatedAt, Expr::val(now))
        .filter(product_rating::Column::ProductId.eq(product))
        .exec(db)
        .await?;
    product_rating::Entity::find_by_id(product)
        .one(db)
        .await?
        .map(tally_of)
        .ok_or_else(|| DbErr::RecordNotFound(format!("product_ratings {product}")))
}

fn tally_of(row: product_rating::Model) -> Tally {
    Tally {
        count: row.review_count,
        sum: row.rating_sum,
        stars: [
            row.one_star,
            row.two_stars,
            row.three_stars,
            row.four_stars,
            row.five_stars,
        ],
        version: row.version,
    }
}

/// The totals of many products in one query; products never reviewed are absent.
pub async fn tallies(
    db: &impl ConnectionTrait,
    products: &[Uuid],
) -> Result<HashMap<Uuid, Tally>, DbErr> {
    if products.is_empty() {
        return Ok(HashMap::new());
    }
    Ok(product_rating::Entity::find()
        .filter(product_rating::Column::ProductId.is_in(products.iter().copied()))
        .all(db)
        .await?
        .into_iter()
        .map(|row| (row.product_id, tally_of(row)))
        .collect())
}

/// Records the voter's say on the review and returns what they had said before (`None` for
/// a first vote). A repeat of the same vote changes nothing.
pub async fn cast_vote(
    db: &impl ConnectionTrait,
    review: Uuid,
    voter: Uuid,
    helpful: bool,
    now: DateTime<Utc>,
) -> Result<Option<bool>, DbErr> {
    let inserted = review_vote::Entity::insert(review_vote::ActiveModel {
        review_id: Set(review),
        voter_id: Set(voter),
        helpful: Set(helpful),
        created_at: Set(now),
        updated_at: Set(now),
    })
    .on_conflict_do_nothing()
    .exec_without_returning(db)
    .await?;
    if matches!(inserted, TryInsertResult::Inserted(1)) {
        return Ok(None);
    }
    let changed = review_vote::Entity::update_many()
        .col_expr(review_vote::Column::Helpful, Expr::val(helpful))
        .col_expr(review_vote::Column::UpdatedAt, Expr::val(now))
        .filter(review_vote::Column::ReviewId.eq(review))
        .filter(review_vote::Column::VoterId.eq(voter))
        .filter(review_vote::Column::Helpful.ne(helpful))
        .exec(db)
        .await?;
    Ok(Some(if changed.rows_affected == 1 {
        !helpful
    } else {
        helpful
    }))
}

pub async fn shift_helpful(
    db: &impl ConnectionTrait,
    review: Uuid,
    by: i64,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    review::Entity::update_many()
        .col_expr(
            review::Column::HelpfulCount,
            Expr::col(review::Column::HelpfulCount).add(by),
        )
        .col_expr(review::Column::UpdatedAt, Expr::val(now))
        .filter(review::Column::Id.eq(review))
        .exec(db)
        .await?;
    Ok(())
}

/// A page of a product's visible reviews in `order`, after `after`.
pub async fn product_page(
    db: &impl ConnectionTrait,
    product: Uuid,
    order: ReviewOrder,
    after: Option<Position>,
    limit: u64,
) -> Result<Vec<review::Model>, DbErr> {
    use review::Column::{HelpfulCount, Id, Rating};

    let mut query = review::Entity::find()
        .filter(review::Column::ProductId.eq(product))
        .filter(review::Column::HiddenAt.is_null());
    if let Some(at) = after {
        let next = |key_col: review::Column, beyond: Expr| {
            Condition::any().add(beyond).add(
                Condition::all()
                    .add(Expr::col(key_col).eq(at.key))
                    .add(Id.lt(at.id)),
            )
        };
        query = query.filter(match order {
            ReviewOrder::Newest => Condition::all().add(Id.lt(at.id)),
            ReviewOrder::Highest => next(Rating, Expr::col(Rating).lt(at.key)),
            ReviewOrder::Lowest => next(Rating, Expr::col(Rating).gt(at.key)),
            ReviewOrder::MostHelpful => next(HelpfulCount, Expr::col(HelpfulCount).lt(at.key)),
        });
    }
    query = match order {
        ReviewOrder::Newest => query,
        ReviewOrder::Highest => query.order_by_desc(Rating),
        ReviewOrder::Lowest => query.order_by_asc(Rating),
        ReviewOrder::MostHelpful => query.order_by_desc(HelpfulCount),
    };
    query.order_by_desc(Id).limit(limit).all(db).await
}

/// A page of a customer's visible reviews, newest first, and how many there are.
pub async fn author_page(
    db: &impl ConnectionTrait,
    author: Uuid,
    before: Option<Uuid>,
    limit: u64,
) -> Result<(Vec<review::Model>, u64), DbErr> {
    let mine = review::Entity::find()
        .filter(review::Column::AuthorId.eq(author))
        .filter(review::Column::HiddenAt.is_null());
    let total = mine.clone().count(db).await?;
    let mut query = mine;
    if let Some(before) = before {
        query = query.filter(review::Column::Id.lt(before));
    }
    let rows = query
        .order_by_desc(review::Column::Id)
        .limit(limit)
        .all(db)
        .await?;
    Ok((rows, total))
}
