//! What search learns from other domains and must keep across a re-announcement of the
//! catalog or a rebuilt index: one row per product with the catalog description it last
//! indexed (so a rating change can index the product again) and its rating (from reviews).

use sea_orm_migration::prelude::*;

use crate::shared::timestamp;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum KnownProducts {
    Table,
    ProductId,
    Document,
    Average,
    ReviewCount,
    RatingVersion,
    UpdatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(KnownProducts::Table)
                    .col(
                        ColumnDef::new(KnownProducts::ProductId)
                            .uuid()
                            .not_null()
                            .primary_key(),
                    )
                    // Null while catalog has not described the product, or once archived.
                    .col(ColumnDef::new(KnownProducts::Document).json().null())
                    .col(ColumnDef::new(KnownProducts::Average).double().null())
                    .col(
                        ColumnDef::new(KnownProducts::ReviewCount)
                            .big_integer()
                            .not_null(),
                    )
                    // 0 until reviews announces a rating (its versions start at 1).
                    .col(
                        ColumnDef::new(KnownProducts::RatingVersion)
                            .big_integer()
                            .not_null(),
                    )
                    .col(timestamp(KnownProducts::UpdatedAt))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(KnownProducts::Table).to_owned())
            .await
    }
}
