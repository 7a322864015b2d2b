use sea_orm::entity::prelude::*;

/// Goods of one variant on the shelves of one warehouse.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "stock_levels")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub variant_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub warehouse_id: Uuid,
    pub on_hand: i64,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
