//! The back office's numbers, kept from events: every event received (the journal a rebuild
//! replays), and the facts the figures are computed from: orders with their lines, refunds,
//! carts made and each variant's latest stock.

use sea_orm_migration::prelude::*;

use crate::shared::{money, timestamp};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum EventJournal {
    Table,
    EventId,
    Subject,
    OccurredAt,
    Payload,
}

#[derive(DeriveIden)]
enum OrderFacts {
    Table,
    OrderId,
    CustomerId,
    PlacedAt,
    Subtotal,
    Discount,
    ShippingCost,
    Total,
    CouponCode,
    PaidAt,
    CancelledAt,
}

#[derive(DeriveIden)]
enum OrderItems {
    Table,
    OrderId,
    VariantId,
    ProductId,
    Quantity,
    UnitPrice,
    Discount,
}

#[derive(DeriveIden)]
enum Refunds {
    Table,
    EventId,
    OrderId,
    Amount,
    RefundedAt,
}

#[derive(DeriveIden)]
enum CartFacts {
    Table,
    CartId,
    CreatedAt,
    Guest,
}

#[derive(DeriveIden)]
enum StockLevels {
    Table,
    VariantId,
    Available,
    At,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(EventJournal::Table)
                    .col(
                        ColumnDef::new(EventJournal::EventId)
                            .uuid()
                            .not_null()
                            .primary_key(),
                    )
                    .col(ColumnDef::new(EventJournal::Subject).string().not_null())
                    .col(timestamp(EventJournal::OccurredAt))
                    .col(ColumnDef::new(EventJournal::Payload).json().not_null())
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("event_journal_in_order")
                    .table(EventJournal::Table)
                    .col(EventJournal::OccurredAt)
                    .col(EventJournal::EventId)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(OrderFacts::Table)
                    .col(
                        ColumnDef::new(OrderFacts::OrderId)
                            .uuid()
                            .not_null()
                            .primary_key(),
                    )
                    .col(ColumnDef::new(OrderFacts::CustomerId).uuid().not_null())
                    .col(timestamp(OrderFacts::PlacedAt))
                    .col(money(OrderFacts::Subtotal))
                    .col(money(OrderFacts::Discount))
                    .col(money(OrderFacts::ShippingCost))
                    .col(money(OrderFacts::Total))
                    .col(ColumnDef::new(OrderFacts::CouponCode).string().null())
                    .col(
                        ColumnDef::new(OrderFacts::PaidAt)
                            .timestamp_with_time_zone()
                            .null(),
                    )
                    .col(
                        ColumnDef::new(OrderFacts::CancelledAt)
                            .timestamp_with_time_zone()
                            .null(),
                    )
                    .to_owned(),
            )
            .await?;
        for (name, column) in [
            ("order_facts_placed", OrderFacts::PlacedAt),
            ("order_facts_paid", OrderFacts::PaidAt),
        ] {
            manager
                .create_index(
                    Index::create()
                        .name(name)
                        .table(OrderFacts::Table)
                        .col(column)
                        .to_owned(),
                )
                .await?;
        }
        manager
            .create_table(
                Table::create()
                    .table(OrderItems::Table)
                    .col(ColumnDef::new(OrderItems::OrderId).uuid().not_null())
                    .col(ColumnDef::new(OrderItems::VariantId).uuid().not_null())
                    .col(ColumnDef::new(OrderItems::ProductId).uuid().not_null())
                    .col(
                        ColumnDef::new(OrderItems::Quantity)
                            .big_integer()
                            .not_null(),
                    )
                    .col(money(OrderItems::UnitPrice))
                    .col(money(OrderItems::Discount))
                    .primary_key(
                        Index::create()
                            .col(OrderItems::OrderId)
                            .col(OrderItems::VariantId),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Refunds::Table)
                    .col(
                        ColumnDef::new(Refunds::EventId)
                            .uuid()
                            .not_null()
                            .primary_key(),
                    )
                    .col(ColumnDef::new(Refunds::OrderId).uuid().not_null())
                    .col(money(Refunds::Amount))
                    .col(timestamp(Refunds::RefundedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(CartFacts::Table)
                    .col(
                        ColumnDef::new(CartFacts::CartId)
                            .uuid()
                            .not_null()
                            .primary_key(),
                    )
                    .col(timestamp(CartFacts::CreatedAt))
                    .col(ColumnDef::new(CartFacts::Guest).boolean().not_null())
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(StockLevels::Table)
                    .col(
                        ColumnDef::new(StockLevels::VariantId)
                            .uuid()
                            .not_null()
                            .primary_key(),
                    )
                    .col(
                        ColumnDef::new(StockLevels::Available)
                            .big_integer()
                            .not_null(),
                    )
                    .col(timestamp(StockLevels::At))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("stock_levels_low")
                    .table(StockLevels::Table)
                    .col(StockLevels::Available)
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            StockLevels::Table.into_iden(),
            CartFacts::Table.into_iden(),
            Refunds::Table.into_iden(),
            OrderItems::Table.into_iden(),
            OrderFacts::Table.into_iden(),
            EventJournal::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}
