use sea_orm::entity::prelude::*;

/// A carrier callback already applied: a repeat of its event id changes nothing.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "carrier_events")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub carrier: String,
    #[sea_orm(primary_key, auto_increment = false)]
    pub event_id: String,
    pub received_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
