use sea_orm::entity::prelude::*;

/// One variant across warehouses: `on_hand` is the sum of its stock levels, `reserved` what
/// unpaid orders hold. Reservations check and change this row in one statement.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "variant_stock")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub variant_id: Uuid,
    pub on_hand: i64,
    pub reserved: i64,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
