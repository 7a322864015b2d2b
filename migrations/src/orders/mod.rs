//! The orders subgraph's database.

mod m20261121_000500_orders;
mod m20261201_000510_checkout_claims;
mod m20261202_000520_shipping_choice;
mod m20261203_000530_discounts;

use sea_orm_migration::prelude::*;

use crate::shared;

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(shared::CreateOutbox),
            Box::new(shared::CreateInbox),
            Box::new(shared::CreateIdempotencyKeys),
            Box::new(m20261121_000500_orders::Migration),
            Box::new(m20261201_000510_checkout_claims::Migration),
            Box::new(shared::CreateEventRetries),
            Box::new(m20261202_000520_shipping_choice::Migration),
            Box::new(m20261203_000530_discounts::Migration),
        ]
    }
}
