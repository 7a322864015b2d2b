//! The shipping method chosen at checkout and the delivery it promised, kept on the order.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Orders {
    Table,
    ShippingMethodId,
    ShippingMethodName,
    EstimatedDelivery,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // One column per statement: SQLite alters a table one column at a time.
        for column in [
            ColumnDef::new(Orders::ShippingMethodId)
                .uuid()
                .null()
                .to_owned(),
            ColumnDef::new(Orders::ShippingMethodName)
                .string_len(100)
                .null()
                .to_owned(),
            ColumnDef::new(Orders::EstimatedDelivery)
                .timestamp_with_time_zone()
                .null()
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
        Ok(())
    }
}
