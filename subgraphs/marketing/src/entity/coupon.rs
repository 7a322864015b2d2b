use sea_orm::entity::prelude::*;

/// A code shoppers type for a discount, with its scope, window and budget.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "coupons")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// As the shop wrote it.
    pub code: String,
    /// Upper case: codes are unique and matched regardless of case.
    pub code_key: String,
    /// A `Kind` name.
    pub kind: String,
    pub value: Decimal,
    /// JSON arrays of ids; both empty: the whole order.
    pub category_ids: Json,
    pub product_ids: Json,
    pub min_subtotal: Option<Decimal>,
    pub starts_at: Option<DateTimeUtc>,
    pub ends_at: Option<DateTimeUtc>,
    pub usage_limit: Option<i64>,
    pub per_customer_limit: Option<i64>,
    /// Uses held by unpaid orders plus uses by paid ones: what `usage_limit` bounds.
    pub uses_taken: i64,
    /// Uses by paid orders.
    pub times_used: i64,
    pub active: bool,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
