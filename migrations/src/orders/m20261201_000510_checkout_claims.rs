//! The cap on open unpaid orders per customer: `customer_checkout_locks` serialises one
//! customer's checkouts (a row lock on PostgreSQL; SQLite's write lock does it there), and
//! `checkout_claims` counts the checkouts that passed the cap but have no order row yet.

use sea_orm_migration::prelude::*;

use crate::shared::timestamp;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum CustomerCheckoutLocks {
    Table,
    CustomerId,
    LockedAt,
}

#[derive(DeriveIden)]
enum CheckoutClaims {
    Table,
    OrderId,
    CustomerId,
    ClaimedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(CustomerCheckoutLocks::Table)
                    .col(
                        ColumnDef::new(CustomerCheckoutLocks::CustomerId)
                            .uuid()
                            .not_null()
                            .primary_key(),
                    )
                    .col(timestamp(CustomerCheckoutLocks::LockedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(CheckoutClaims::Table)
                    .col(
                        ColumnDef::new(CheckoutClaims::OrderId)
                            .uuid()
                            .not_null()
                            .primary_key(),
                    )
                    .col(ColumnDef::new(CheckoutClaims::CustomerId).uuid().not_null())
                    .col(timestamp(CheckoutClaims::ClaimedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("checkout_claims_customer")
                    .table(CheckoutClaims::Table)
                    .col(CheckoutClaims::CustomerId)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            CheckoutClaims::Table.into_iden(),
            CustomerCheckoutLocks::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}
