//! What search learns from other domains and keeps in its own database, because the index
//! alone cannot give it back: each product's rating (which catalog's announcements do not
//! carry, so a re-announcement or `micromall reindex` must not lose it) and the catalog
//! description last indexed (which a rating change needs to index the product again). One
//! row per product; descriptions are written in batches, a few statements per index commit
//! rather than per event.

use std::collections::HashMap;

use chrono::Utc;
use micromall_kit::contracts::reviews::RatingChanged;
use sea_orm::sea_query::{Alias, Expr, ExprTrait, OnConflict};
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QuerySelect, Set};
use uuid::Uuid;

use crate::entity::known_product::{self, Column};
use crate::store::ProductDoc;

/// Rows per statement: far below SQLite's and PostgreSQL's limits on bound values.
const CHUNK: usize = 500;

/// A product search has not heard of.
fn unknown(product: Uuid) -> known_product::ActiveModel {
    known_product::ActiveModel {
        product_id: Set(product),
        document: Set(None),
        average: Set(None),
        review_count: Set(0),
        rating_version: Set(0),
        updated_at: Set(Utc::now()),
    }
}

/// Keeps catalog's descriptions of these products.
pub async fn describe(db: &impl ConnectionTrait, docs: &[&ProductDoc]) -> Result<(), DbErr> {
    for chunk in docs.chunks(CHUNK) {
        let rows = chunk
            .iter()
            .map(|doc| {
                let document = serde_json::to_value(doc)
                    .map_err(|e| DbErr::Custom(format!("product document: {e}")))?;
                Ok(known_product::ActiveModel {
                    document: Set(Some(document)),
                    ..unknown(doc.id)
                })
            })
            .collect::<Result<Vec<_>, DbErr>>()?;
        known_product::Entity::insert_many(rows)
            .on_conflict(
                OnConflict::column(Column::ProductId)
                    .update_columns([Column::Document, Column::UpdatedAt])
                    .to_owned(),
            )
            .exec_without_returning(db)
            .await?;
    }
    Ok(())
}

/// Forgets the descriptions of archived products (their ratings are kept).
pub async fn forget(db: &impl ConnectionTrait, products: &[Uuid]) -> Result<(), DbErr> {
    for chunk in products.chunks(CHUNK) {
        known_product::Entity::update_many()
            .col_expr(
                Column::Document,
                Expr::val(Option::<serde_json::Value>::None),
            )
            .col_expr(Column::UpdatedAt, Expr::val(Utc::now()))
            .filter(Column::ProductId.is_in(chunk.iter().copied()))
            .exec(db)
            .await?;
    }
    Ok(())
}

/// The rating each product is indexed with: its average, 0 without reviews (so they sort
/// last and no `minRating` lets them through).
pub async fn ratings(
    db: &impl ConnectionTrait,
    products: &[Uuid],
) -> Result<HashMap<Uuid, f64>, DbErr> {
    let mut ratings = HashMap::with_capacity(products.len());
    for chunk in products.chunks(CHUNK) {
        let rows: Vec<(Uuid, Option<f64>)> = known_product::Entity::find()
            .select_only()
            .column(Column::ProductId)
            .column(Column::Average)
            .filter(Column::ProductId.is_in(chunk.iter().copied()))
            .into_tuple()
            .all(db)
            .await?;
        ratings.extend(
            rows.into_iter()
                .map(|(id, average)| (id, average.unwrap_or(0.0))),
        );
    }
    Ok(ratings)
}

/// Keeps a rating unless one of a higher or equal version is kept already (events may arrive
/// out of order or twice).
pub async fn keep_rating(db: &impl ConnectionTrait, change: &RatingChanged) -> Result<(), DbErr> {
    known_product::Entity::insert(known_product::ActiveModel {
        average: Set(change.average),
        review_count: Set(change.count),
        rating_version: Set(change.version),
        ..unknown(change.product_id)
    })
    .on_conflict(
        OnConflict::column(Column::ProductId)
            .update_columns([
                Column::Average,
                Column::ReviewCount,
                Column::RatingVersion,
                Column::UpdatedAt,
            ])
            .action_and_where(
                Expr::col((known_product::Entity, Column::RatingVersion))
                    .lt(Expr::col((Alias::new("excluded"), Column::RatingVersion))),
            )
            .to_owned(),
    )
    .exec_without_returning(db)
    .await?;
    Ok(())
}

/// Catalog's description of the product as last indexed; none before catalog described it
/// or once archived.
pub async fn description(
    db: &impl ConnectionTrait,
    product: Uuid,
) -> Result<Option<ProductDoc>, DbErr> {
    let document: Option<Option<serde_json::Value>> = known_product::Entity::find_by_id(product)
        .select_only()
        .column(Column::Document)
        .into_tuple()
        .one(db)
        .await?;
    document
        .flatten()
        .map(serde_json::from_value)
        .transpose()
        .map_err(|e| DbErr::Custom(format!("stored product document {product}: {e}")))
}
