//! The cart subgraph's database.

mod m20261121_000400_cart;
mod m20261203_000410_guest_carts;

use sea_orm_migration::prelude::*;

use crate::shared;

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(shared::CreateOutbox),
            Box::new(shared::CreateInbox),
            Box::new(m20261121_000400_cart::Migration),
            Box::new(shared::CreateEventRetries),
            Box::new(m20261203_000410_guest_carts::Migration),
        ]
    }
}
