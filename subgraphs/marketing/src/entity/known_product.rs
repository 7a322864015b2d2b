use sea_orm::entity::prelude::*;

/// A product as catalog's events told it: when it was made, its categories (with their
/// ancestors), whether it is archived.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "known_products")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub product_id: Uuid,
    pub category_ids: Json,
    pub created_at: DateTimeUtc,
    pub archived: bool,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
