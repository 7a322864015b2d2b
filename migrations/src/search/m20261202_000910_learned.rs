//! What search learns from other domains and must keep across a re-announcement of the
//! catalog or a rebuilt index: each product's rating (from reviews) and the catalog
//! description it last indexed (so a rating change can re-index the product).

use sea_orm_migration::prelude::*;

use crate::shared::timestamp;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum ProductRatings {
    Table,
    ProductId,
    Average,
    ReviewCount,
    Version,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum ProductSources {
    Table,
    ProductId,
    Document,
    UpdatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(ProductRatings::Table)
                    .col(
                        ColumnDef::new(ProductRatings::ProductId)
                            .uuid()
                            .not_null()
                            .primary_key(),
                    )
                    .col(ColumnDef::new(ProductRatings::Average).double().null())
                    .col(
                        ColumnDef::new(ProductRatings::ReviewCount)
                            .big_integer()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(ProductRatings::Version)
                            .big_integer()
                            .not_null(),
                    )
                    .col(timestamp(ProductRatings::UpdatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(ProductSources::Table)
                    .col(
                        ColumnDef::new(ProductSources::ProductId)
                            .uuid()
                            .not_null()
                            .primary_key(),
                    )
                    .col(ColumnDef::new(ProductSources::Document).json().not_null())
                    .col(timestamp(ProductSources::UpdatedAt))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            ProductSources::Table.into_iden(),
            ProductRatings::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}
