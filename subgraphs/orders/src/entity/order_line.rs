use sea_orm::entity::prelude::*;

/// A line as it was bought: names and prices are snapshots, not references.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "order_lines")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub order_id: Uuid,
    pub position: i32,
    pub variant_id: Uuid,
    pub product_name: String,
    pub variant_name: String,
    pub sku: String,
    pub quantity: i32,
    #[sea_orm(column_type = "Decimal(Some((19, 4)))")]
    pub unit_price: Decimal,
    /// This line's share of the order's discounts.
    #[sea_orm(column_type = "Decimal(Some((19, 4)))")]
    pub discount: Decimal,
    /// What the line cost: unit price × quantity, less its discount.
    #[sea_orm(column_type = "Decimal(Some((19, 4)))")]
    pub line_total: Decimal,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
