//! Carts of shoppers who have not signed in: each is reached by an opaque token, kept only as
//! its SHA-256, and owned by a made-up owner id no account has.

use sea_orm_migration::prelude::*;

use crate::shared::timestamp;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum GuestCarts {
    Table,
    TokenHash,
    OwnerId,
    CreatedAt,
    LastUsedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(GuestCarts::Table)
                    .col(
                        ColumnDef::new(GuestCarts::TokenHash)
                            .string_len(64)
                            .not_null()
                            .primary_key(),
                    )
                    .col(
                        ColumnDef::new(GuestCarts::OwnerId)
                            .uuid()
                            .not_null()
                            .unique_key(),
                    )
                    .col(timestamp(GuestCarts::CreatedAt))
                    .col(timestamp(GuestCarts::LastUsedAt))
                    .to_owned(),
            )
            .await?;
        // The sweeper finds idle guest carts by their last use.
        manager
            .create_index(
                Index::create()
                    .name("guest_carts_last_used")
                    .table(GuestCarts::Table)
                    .col(GuestCarts::LastUsedAt)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(GuestCarts::Table).to_owned())
            .await
    }
}
