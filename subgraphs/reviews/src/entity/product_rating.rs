use sea_orm::entity::prelude::*;

/// A product's visible reviews as running totals, changed by the statement that changes a
/// review's visibility, in its transaction; `version` grows with every change.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "product_ratings")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub product_id: Uuid,
    pub review_count: i64,
    pub rating_sum: i64,
    pub one_star: i64,
    pub two_stars: i64,
    pub three_stars: i64,
    pub four_stars: i64,
    pub five_stars: i64,
    pub version: i64,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
