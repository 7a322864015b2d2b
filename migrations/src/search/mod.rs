//! The search subgraph's database: only the shared event tables (the index itself lives in
//! Tantivy or Elasticsearch).

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
        ]
    }
}
