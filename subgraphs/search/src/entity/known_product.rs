use sea_orm::entity::prelude::*;

/// What search keeps of a product besides the index: the catalog description it last
/// indexed and the rating reviews last announced (only a higher version replaces it).
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "known_products")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub product_id: Uuid,
    /// A `ProductDoc`; none before catalog describes the product, or once it is archived.
    pub document: Option<Json>,
    /// Of the visible reviews; none without reviews.
    pub average: Option<f64>,
    pub review_count: i64,
    /// 0 until a rating arrives.
    pub rating_version: i64,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
