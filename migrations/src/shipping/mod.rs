//! The shipping subgraph's database.

mod m20261202_000700_shipping;

use sea_orm_migration::prelude::*;

use crate::shared;

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(shared::CreateOutbox),
            Box::new(shared::CreateInbox),
            Box::new(m20261202_000700_shipping::Migration),
            Box::new(shared::CreateEventRetries),
        ]
    }
}
