//! What search learns from other domains and keeps in its own database, because the index
//! alone cannot give it back: each product's rating (which catalog's announcements do not
//! carry, so a re-announcement or `micromall reindex` must not lose it) and the catalog
//! description last indexed (which a rating change needs to index the product again).

use chrono::Utc;
use micromall_kit::contracts::reviews::RatingChanged;
use sea_orm::sea_query::{Alias, Expr, ExprTrait, OnConflict};
use sea_orm::{ConnectionTrait, DbErr, EntityTrait, Set};
use uuid::Uuid;

use crate::entity::{product_rating, product_source};
use crate::store::ProductDoc;

/// Keeps a rating unless one of a higher or equal version is kept already (events may arrive
/// out of order or twice).
pub async fn keep_rating(db: &impl ConnectionTrait, change: &RatingChanged) -> Result<(), DbErr> {
    use product_rating::Column;

    product_rating::Entity::insert(product_rating::ActiveModel {
        product_id: Set(change.product_id),
        average: Set(change.average),
        review_count: Set(change.count),
        version: Set(change.version),
        updated_at: Set(Utc::now()),
    })
    .on_conflict(
        OnConflict::column(Column::ProductId)
            .update_columns([
                Column::Average,
                Column::ReviewCount,
                Column::Version,
                Column::UpdatedAt,
            ])
            .action_and_where(
                Expr::col((product_rating::Entity, Column::Version))
                    .lt(Expr::col((Alias::new("excluded"), Column::Version))),
            )
            .to_owned(),
    )
    .exec_without_returning(db)
    .await?;
    Ok(())
}

/// The product's average rating as the index holds it: 0 without reviews.
pub async fn rating_of(db: &impl ConnectionTrait, product: Uuid) -> Result<f64, DbErr> {
    Ok(product_rating::Entity::find_by_id(product)
        .one(db)
        .await?
        .and_then(|r| r.average)
        .unwrap_or(0.0))
}

/// Keeps the catalog description the product is indexed from.
pub async fn keep_source(db: &impl ConnectionTrait, doc: &ProductDoc) -> Result<(), DbErr> {
    use product_source::Column;

    let document =
        serde_json::to_value(doc).map_err(|e| DbErr::Custom(format!("product document: {e}")))?;
    product_source::Entity::insert(product_source::ActiveModel {
        product_id: Set(doc.id),
        document: Set(document),
        updated_at: Set(Utc::now()),
    })
    .on_conflict(
        OnConflict::column(Column::ProductId)
            .update_columns([Column::Document, Column::UpdatedAt])
            .to_owned(),
    )
    .exec_without_returning(db)
    .await?;
    Ok(())
}

/// The catalog description the product was last indexed from; none for a product catalog
/// never announced or has archived.
pub async fn source(db: &impl ConnectionTrait, product: Uuid) -> Result<Option<ProductDoc>, DbErr> {
    let Some(row) = product_source::Entity::find_by_id(product).one(db).await? else {
        return Ok(None);
    };
    serde_json::from_value(row.document)
        .map(Some)
        .map_err(|e| DbErr::Custom(format!("stored product document {product}: {e}")))
}

pub async fn forget_source(db: &impl ConnectionTrait, product: Uuid) -> Result<(), DbErr> {
    product_source::Entity::delete_by_id(product)
        .exec(db)
        .await?;
    Ok(())
}
