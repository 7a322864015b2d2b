//! A variant's shipping weight in grams, for weight-based shipping rates; null when the
//! shop has not said.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Variants {
    Table,
    WeightGrams,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Variants::Table)
                    .add_column(ColumnDef::new(Variants::WeightGrams).integer().null())
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Variants::Table)
                    .drop_column(Variants::WeightGrams)
                    .to_owned(),
            )
            .await
    }
}
