use sea_orm::entity::prelude::*;

/// A discount that applies by itself (no code) within its window.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "promotions")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub name: String,
    /// A `Kind` name.
    pub kind: String,
    pub value: Decimal,
    /// `PRODUCTS` (each line, a sale price) or `ORDER`.
    pub target: String,
    pub category_ids: Json,
    pub product_ids: Json,
    pub min_subtotal: Option<Decimal>,
    /// Higher first; breaks ties between equal discounts.
    pub priority: i32,
    pub stackable: bool,
    pub starts_at: Option<DateTimeUtc>,
    pub ends_at: Option<DateTimeUtc>,
    pub active: bool,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
