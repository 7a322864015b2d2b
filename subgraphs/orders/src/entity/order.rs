use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "orders")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub number: String,
    pub customer_id: Uuid,
    /// An `OrderStatus` name.
    pub status: String,
    pub currency: String,
    #[sea_orm(column_type = "Decimal(Some((19, 4)))")]
    pub subtotal: Decimal,
    #[sea_orm(column_type = "Decimal(Some((19, 4)))")]
    pub discount: Decimal,
    #[sea_orm(column_type = "Decimal(Some((19, 4)))")]
    pub shipping_cost: Decimal,
    #[sea_orm(column_type = "Decimal(Some((19, 4)))")]
    pub total: Decimal,
    /// The `Address` the customer gave, as JSON.
    pub shipping_address: Json,
    /// The shipping method chosen at checkout (none when the shop had no shipping zones).
    pub shipping_method_id: Option<Uuid>,
    pub shipping_method_name: Option<String>,
    /// The latest delivery the method promised when the order was placed.
    pub estimated_delivery: Option<DateTimeUtc>,
    pub cart_id: Uuid,
    pub cart_version: i64,
    /// The coupon applied at checkout, as the shop wrote it.
    pub coupon_code: Option<String>,
    /// What was taken off at checkout, by source: a JSON array of `DiscountPart`s (the
    /// lines' discounts, and delivery made free).
    pub discounts: Json,
    /// When an unpaid order is cancelled.
    pub payment_due_at: DateTimeUtc,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
