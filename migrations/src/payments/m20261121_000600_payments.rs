use sea_orm_migration::prelude::*;

use crate::shared::{money, timestamp};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Payments {
    Table,
    Id,
    OrderId,
    CustomerId,
    Provider,
    ProviderReference,
    Status,
    Amount,
    RefundedAmount,
    Currency,
    FailureReason,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Refunds {
    Table,
    Id,
    PaymentId,
    Amount,
    Reason,
    Status,
    ProviderReference,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum ProviderEvents {
    Table,
    Provider,
    EventId,
    ReceivedAt,
}

#[derive(DeriveIden)]
enum CancelledOrders {
    Table,
    OrderId,
    CancelledAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Payments::Table)
                    .col(ColumnDef::new(Payments::Id).uuid().not_null().primary_key())
                    .col(ColumnDef::new(Payments::OrderId).uuid().not_null())
                    .col(ColumnDef::new(Payments::CustomerId).uuid().not_null())
                    .col(ColumnDef::new(Payments::Provider).string_len(40).not_null())
                    .col(
                        ColumnDef::new(Payments::ProviderReference)
                            .string_len(200)
                            .null(),
                    )
                    .col(ColumnDef::new(Payments::Status).string_len(32).not_null())
                    .col(money(Payments::Amount))
                    .col(money(Payments::RefundedAmount))
                    .col(ColumnDef::new(Payments::Currency).string_len(3).not_null())
                    .col(
                        ColumnDef::new(Payments::FailureReason)
                            .string_len(400)
                            .null(),
                    )
                    .col(timestamp(Payments::CreatedAt))
                    .col(timestamp(Payments::UpdatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("payments_order")
                    .table(Payments::Table)
                    .col(Payments::OrderId)
                    .col(Payments::Id)
                    .to_owned(),
            )
            .await?;
        // At most one payment per order is in flight or holds money, so an order cannot be
        // charged twice (a partial index; SQLite and PostgreSQL both have them).
        manager
            .get_connection()
            .execute_unprepared(
                "CREATE UNIQUE INDEX payments_one_active_per_order ON payments (order_id) \
                 WHERE status IN ('PENDING', 'AUTHORIZED', 'CAPTURED', 'PARTIALLY_REFUNDED')",
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Refunds::Table)
                    .col(ColumnDef::new(Refunds::Id).uuid().not_null().primary_key())
                    .col(ColumnDef::new(Refunds::PaymentId).uuid().not_null())
                    .col(money(Refunds::Amount))
                    .col(ColumnDef::new(Refunds::Reason).string_len(400).null())
                    .col(ColumnDef::new(Refunds::Status).string_len(32).not_null())
                    .col(
                        ColumnDef::new(Refunds::ProviderReference)
                            .string_len(200)
                            .null(),
                    )
                    .col(timestamp(Refunds::CreatedAt))
                    .col(timestamp(Refunds::UpdatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("refunds_payment")
                    .table(Refunds::Table)
                    .col(Refunds::PaymentId)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(ProviderEvents::Table)
                    .col(
                        ColumnDef::new(ProviderEvents::Provider)
                            .string_len(40)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(ProviderEvents::EventId)
                            .string_len(200)
                            .not_null(),
                    )
                    .col(timestamp(ProviderEvents::ReceivedAt))
                    .primary_key(
                        Index::create()
                            .col(ProviderEvents::Provider)
                            .col(ProviderEvents::EventId),
                    )
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(CancelledOrders::Table)
                    .col(
                        ColumnDef::new(CancelledOrders::OrderId)
                            .uuid()
                            .not_null()
                            .primary_key(),
                    )
                    .col(timestamp(CancelledOrders::CancelledAt))
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            CancelledOrders::Table.into_iden(),
            ProviderEvents::Table.into_iden(),
            Refunds::Table.into_iden(),
            Payments::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}
