//! The search subgraph's database: the shared event tables, and what search learns from
//! other domains (the index itself lives in Tantivy or Elasticsearch).

mod m20261202_000910_learned;

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
            Box::new(m20261202_000910_learned::Migration),
        ]
    }
}
