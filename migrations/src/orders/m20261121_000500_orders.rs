use sea_orm_migration::prelude::*;

use crate::shared::{money, timestamp};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Orders {
    Table,
    Id,
    Number,
    CustomerId,
    Status,
    Currency,
    Subtotal,
    Discount,
    ShippingCost,
    Total,
    ShippingAddress,
    CartId,
    CartVersion,
    PaymentDueAt,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum OrderLines {
    Table,
    Id,
    OrderId,
    Position,
    VariantId,
    ProductName,
    VariantName,
    Sku,
    Quantity,
    UnitPrice,
    LineTotal,
}

#[derive(DeriveIden)]
enum OrderTransitions {
    Table,
    Id,
    OrderId,
    FromStatus,
    ToStatus,
    Cause,
    OccurredAt,
}

#[derive(DeriveIden)]
enum OrderNumbers {
    Table,
    Id,
    LastNumber,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Orders::Table)
                    .col(ColumnDef::new(Orders::Id).uuid().not_null().primary_key())
                    .col(
                        ColumnDef::new(Orders::Number)
                            .string_len(32)
                            .not_null()
                            .unique_key(),
                    )
                    .col(ColumnDef::new(Orders::CustomerId).uuid().not_null())
                    .col(ColumnDef::new(Orders::Status).string_len(32).not_null())
                    .col(ColumnDef::new(Orders::Currency).string_len(3).not_null())
                    .col(money(Orders::Subtotal))
                    .col(money(Orders::Discount))
                    .col(money(Orders::ShippingCost))
                    .col(money(Orders::Total))
                    .col(ColumnDef::new(Orders::ShippingAddress).json().not_null())
                    .col(ColumnDef::new(Orders::CartId).uuid().not_null())
                    .col(ColumnDef::new(Orders::CartVersion).big_integer().not_null())
                    .col(timestamp(Orders::PaymentDueAt))
                    .col(timestamp(Orders::CreatedAt))
                    .col(timestamp(Orders::UpdatedAt))
                    .to_owned(),
            )
            .await?;
        // One order per state of a cart: two checkouts of the same cart cannot both succeed.
        manager
            .create_index(
                Index::create()
                    .name("orders_cart_version")
                    .table(Orders::Table)
                    .col(Orders::CartId)
                    .col(Orders::CartVersion)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("orders_customer")
                    .table(Orders::Table)
                    .col(Orders::CustomerId)
                    .col(Orders::Id)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("orders_status_due")
                    .table(Orders::Table)
                    .col(Orders::Status)
                    .col(Orders::PaymentDueAt)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(OrderLines::Table)
                    .col(
                        ColumnDef::new(OrderLines::Id)
                            .uuid()
                            .not_null()
                            .primary_key(),
                    )
                    .col(ColumnDef::new(OrderLines::OrderId).uuid().not_null())
                    .col(ColumnDef::new(OrderLines::Position).integer().not_null())
                    .col(ColumnDef::new(OrderLines::VariantId).uuid().not_null())
                    .col(
                        ColumnDef::new(OrderLines::ProductName)
                            .string_len(400)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(OrderLines::VariantName)
                            .string_len(400)
                            .not_null(),
                    )
                    .col(ColumnDef::new(OrderLines::Sku).string_len(100).not_null())
                    .col(ColumnDef::new(OrderLines::Quantity).integer().not_null())
                    .col(money(OrderLines::UnitPrice))
                    .col(money(OrderLines::LineTotal))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("order_lines_order")
                    .table(OrderLines::Table)
                    .col(OrderLines::OrderId)
                    .col(OrderLines::Position)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(OrderTransitions::Table)
                    .col(
                        ColumnDef::new(OrderTransitions::Id)
                            .uuid()
                            .not_null()
                            .primary_key(),
                    )
                    .col(ColumnDef::new(OrderTransitions::OrderId).uuid().not_null())
                    .col(
                        ColumnDef::new(OrderTransitions::FromStatus)
                            .string_len(32)
                            .null(),
                    )
                    .col(
                        ColumnDef::new(OrderTransitions::ToStatus)
                            .string_len(32)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(OrderTransitions::Cause)
                            .string_len(400)
                            .not_null(),
                    )
                    .col(timestamp(OrderTransitions::OccurredAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("order_transitions_order")
                    .table(OrderTransitions::Table)
                    .col(OrderTransitions::OrderId)
                    .col(OrderTransitions::Id)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(OrderNumbers::Table)
                    .col(
                        ColumnDef::new(OrderNumbers::Id)
                            .integer()
                            .not_null()
                            .primary_key(),
                    )
                    .col(
                        ColumnDef::new(OrderNumbers::LastNumber)
                            .big_integer()
                            .not_null(),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .exec_stmt(
                Query::insert()
                    .into_table(OrderNumbers::Table)
                    .columns([OrderNumbers::Id, OrderNumbers::LastNumber])
                    .values_panic([1.into(), 0.into()])
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            OrderNumbers::Table.into_iden(),
            OrderTransitions::Table.into_iden(),
            OrderLines::Table.into_iden(),
            Orders::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}
