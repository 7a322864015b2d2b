//! Orders whose payment arrived before their placement (events may come in any order): the
//! placement then counts its products as sold on the day of payment.

use sea_orm_migration::prelude::*;

use crate::shared::timestamp;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum PaidOrders {
    Table,
    OrderId,
    PaidAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(PaidOrders::Table)
                    .col(
                        ColumnDef::new(PaidOrders::OrderId)
                            .uuid()
                            .not_null()
                            .primary_key(),
                    )
                    .col(timestamp(PaidOrders::PaidAt))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(PaidOrders::Table).to_owned())
            .await
    }
}
