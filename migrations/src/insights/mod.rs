//! The insights subgraph's database: a read model fed only by events.

mod m20261203_001100_insights;

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
            Box::new(m20261203_001100_insights::Migration),
        ]
    }
}
