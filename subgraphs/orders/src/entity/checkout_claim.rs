use sea_orm::entity::prelude::*;

/// A checkout that passed the cap on unpaid orders and is holding stock, before its order
/// row exists; it counts against the cap until the order replaces it or the checkout fails.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "checkout_claims")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub order_id: Uuid,
    pub customer_id: Uuid,
    pub claimed_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
