use sea_orm::entity::prelude::*;

/// A way to ship to a zone's countries, and how it is priced.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "shipping_methods")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub zone_id: Uuid,
    pub name: String,
    /// `name` lower-cased: unique within the zone.
    pub name_key: String,
    /// A `RateKind` name.
    pub kind: String,
    #[sea_orm(column_type = "Decimal(Some((19, 4)))")]
    pub price: Decimal,
    #[sea_orm(column_type = "Decimal(Some((19, 4)))", nullable)]
    pub free_above: Option<Decimal>,
    /// JSON array of `WeightBand`s, lightest first.
    pub weight_bands: Json,
    pub min_delivery_days: i32,
    pub max_delivery_days: i32,
    pub active: bool,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
