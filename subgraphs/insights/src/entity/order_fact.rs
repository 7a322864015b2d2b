use sea_orm::entity::prelude::*;

/// An order as its events told it: placed, then paid or cancelled.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "order_facts")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub order_id: Uuid,
    pub customer_id: Uuid,
    pub placed_at: DateTimeUtc,
    #[sea_orm(column_type = "Decimal(Some((19, 4)))")]
    pub subtotal: Decimal,
    /// Everything taken off, delivery made free included.
    #[sea_orm(column_type = "Decimal(Some((19, 4)))")]
    pub discount: Decimal,
    #[sea_orm(column_type = "Decimal(Some((19, 4)))")]
    pub shipping_cost: Decimal,
    #[sea_orm(column_type = "Decimal(Some((19, 4)))")]
    pub total: Decimal,
    pub coupon_code: Option<String>,
    pub paid_at: Option<DateTimeUtc>,
    pub cancelled_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
