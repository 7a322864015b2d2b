use sea_orm::entity::prelude::*;

/// One line of an order: what was bought, at what price and discount.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "order_items")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub order_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub variant_id: Uuid,
    pub product_id: Uuid,
    pub quantity: i64,
    #[sea_orm(column_type = "Decimal(Some((19, 4)))")]
    pub unit_price: Decimal,
    #[sea_orm(column_type = "Decimal(Some((19, 4)))")]
    pub discount: Decimal,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
