//! What marketing took off an order at checkout, kept on it: each line's share, the coupon,
//! and the breakdown by source (a snapshot: later changes to a promotion never reach it).

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Orders {
    Table,
    CouponCode,
    Discounts,
}

#[derive(DeriveIden)]
enum OrderLines {
    Table,
    Discount,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // One column per statement: SQLite alters a table one column at a time.
        for column in [
            ColumnDef::new(Orders::CouponCode)
                .string_len(64)
                .null()
                .to_owned(),
            ColumnDef::new(Orders::Discounts)
                .json()
                .not_null()
                .default("[]")
                .to_owned(),
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Orders::Table)
                        .add_column(column)
                        .to_owned(),
                )
                .await?;
        }
        manager
            .alter_table(
                Table::alter()
                    .table(OrderLines::Table)
                    .add_column(
                        ColumnDef::new(OrderLines::Discount)
                            .decimal_len(19, 4)
                            .not_null()
                            .default(0),
                    )
                    .to_owned(),
            )
            .await?;
        Ok(())
    }
}
