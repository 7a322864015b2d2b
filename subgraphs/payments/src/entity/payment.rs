use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "payments")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub order_id: Uuid,
    /// Who pays (the order's customer), for ownership checks without asking orders.
    pub customer_id: Uuid,
    pub provider: String,
    /// The provider's id of the charge.
    pub provider_reference: Option<String>,
    /// A `PaymentStatus` name.
    pub status: String,
    #[sea_orm(column_type = "Decimal(Some((19, 4)))")]
    pub amount: Decimal,
    #[sea_orm(column_type = "Decimal(Some((19, 4)))")]
    pub refunded_amount: Decimal,
    pub currency: String,
    pub failure_reason: Option<String>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
