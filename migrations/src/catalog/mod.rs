//! The catalog subgraph's database.

mod m20261121_000200_catalog;
mod m20261130_000210_variant_weight;

use sea_orm_migration::prelude::*;

use crate::shared;

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(shared::CreateOutbox),
            Box::new(shared::CreateInbox),
            Box::new(m20261121_000200_catalog::Migration),
            Box::new(shared::CreateEventRetries),
            Box::new(m20261130_000210_variant_weight::Migration),
        ]
    }
}
