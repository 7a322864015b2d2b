use sea_orm::entity::prelude::*;

/// One order's use of a coupon: `HELD` from checkout, `USED` once paid, `RELEASED` when the
/// order was cancelled (or its checkout failed).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "coupon_uses")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub order_id: Uuid,
    pub coupon_id: Uuid,
    pub customer_id: Uuid,
    pub state: String,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

pub const HELD: &str = "HELD";
pub const USED: &str = "USED";
pub const RELEASED: &str = "RELEASED";
