//! The marketing subgraph's database.

mod m20261203_001000_marketing;
mod m20261203_001010_home;
mod m20261203_001020_paid_orders;

use sea_orm_migration::prelude::*;

use crate::shared;

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(shared::CreateOutbox),
            Box::new(shared::CreateInbox),
            Box::new(shared::CreateEventRetries),
            Box::new(m20261203_001000_marketing::Migration),
            Box::new(m20261203_001010_home::Migration),
            Box::new(m20261203_001020_paid_orders::Migration),
        ]
    }
}
