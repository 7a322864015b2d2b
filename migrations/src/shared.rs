//! Tables every subgraph has: the transactional outbox, the consumer inbox and the consumer's
//! retries and dead letters.

use sea_orm_migration::prelude::*;

/// A money column: exact decimal, four places (amounts are rounded to the currency on use).
pub fn money(col: impl IntoIden) -> ColumnDef {
    ColumnDef::new(col).decimal_len(19, 4).not_null().to_owned()
}

/// A required point in time, in UTC.
pub fn timestamp(col: impl IntoIden) -> ColumnDef {
    ColumnDef::new(col)
        .timestamp_with_time_zone()
        .not_null()
        .to_owned()
}

#[derive(DeriveIden)]
enum Outbox {
    Table,
    Id,
    Subject,
    Payload,
    OccurredAt,
    PublishedAt,
}

#[derive(DeriveIden)]
enum Inbox {
    Table,
    Consumer,
    EventId,
    HandledAt,
}

/// `outbox`: events written in the same transaction as the change they describe.
pub struct CreateOutbox;

impl MigrationName for CreateOutbox {
    fn name(&self) -> &str {
        "m20261121_000001_create_outbox"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for CreateOutbox {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Outbox::Table)
                    .if_not_exists()
                    .col(ColumnDef::new(Outbox::Id).uuid().not_null().primary_key())
                    .col(ColumnDef::new(Outbox::Subject).string_len(200).not_null())
                    .col(ColumnDef::new(Outbox::Payload).json().not_null())
                    .col(
                        ColumnDef::new(Outbox::OccurredAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(Outbox::PublishedAt)
                            .timestamp_with_time_zone()
                            .null(),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("outbox_pending")
                    .table(Outbox::Table)
                    .col(Outbox::PublishedAt)
                    .col(Outbox::Id)
                    .if_not_exists()
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Outbox::Table).to_owned())
            .await
    }
}

/// `inbox`: ids of events a consumer already handled.
pub struct CreateInbox;

impl MigrationName for CreateInbox {
    fn name(&self) -> &str {
        "m20261121_000002_create_inbox"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for CreateInbox {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Inbox::Table)
                    .if_not_exists()
                    .col(ColumnDef::new(Inbox::Consumer).string_len(100).not_null())
                    .col(ColumnDef::new(Inbox::EventId).uuid().not_null())
                    .col(
                        ColumnDef::new(Inbox::HandledAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .primary_key(Index::create().col(Inbox::Consumer).col(Inbox::EventId))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Inbox::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum IdempotencyKeys {
    Table,
    UserId,
    Operation,
    Key,
    RequestHash,
    ResultId,
    CreatedAt,
}

/// `idempotency_keys`: for operations that take an idempotency key, the first request's
/// fingerprint and result.
pub struct CreateIdempotencyKeys;

impl MigrationName for CreateIdempotencyKeys {
    fn name(&self) -> &str {
        "m20261121_000003_create_idempotency_keys"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for CreateIdempotencyKeys {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(IdempotencyKeys::Table)
                    .if_not_exists()
                    .col(ColumnDef::new(IdempotencyKeys::UserId).uuid().not_null())
                    .col(
                        ColumnDef::new(IdempotencyKeys::Operation)
                            .string_len(40)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(IdempotencyKeys::Key)
                            .string_len(200)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(IdempotencyKeys::RequestHash)
                            .string_len(64)
                            .not_null(),
                    )
                    .col(ColumnDef::new(IdempotencyKeys::ResultId).uuid().null())
                    .col(
                        ColumnDef::new(IdempotencyKeys::CreatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .primary_key(
                        Index::create()
                            .col(IdempotencyKeys::UserId)
                            .col(IdempotencyKeys::Operation)
                            .col(IdempotencyKeys::Key),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(IdempotencyKeys::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum EventRetries {
    Table,
    Id,
    Consumer,
    EventId,
    Subject,
    Payload,
    OccurredAt,
    Attempts,
    NextAttemptAt,
    LastError,
    State,
    CreatedAt,
    UpdatedAt,
}

/// `event_retries`: events a consumer failed to handle, retried with backoff, then kept as
/// dead letters (`state = 'dead'`) until an admin replays them.
pub struct CreateEventRetries;

impl MigrationName for CreateEventRetries {
    fn name(&self) -> &str {
        "m20261201_000004_create_event_retries"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for CreateEventRetries {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(EventRetries::Table)
                    .if_not_exists()
                    .col(
                        ColumnDef::new(EventRetries::Id)
                            .uuid()
                            .not_null()
                            .primary_key(),
                    )
                    .col(
                        ColumnDef::new(EventRetries::Consumer)
                            .string_len(100)
                            .not_null(),
                    )
                    .col(ColumnDef::new(EventRetries::EventId).uuid().not_null())
                    .col(
                        ColumnDef::new(EventRetries::Subject)
                            .string_len(200)
                            .not_null(),
                    )
                    .col(ColumnDef::new(EventRetries::Payload).json().not_null())
                    .col(timestamp(EventRetries::OccurredAt))
                    .col(ColumnDef::new(EventRetries::Attempts).integer().not_null())
                    .col(timestamp(EventRetries::NextAttemptAt))
                    .col(
                        ColumnDef::new(EventRetries::LastError)
                            .string_len(1000)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(EventRetries::State)
                            .string_len(16)
                            .not_null(),
                    )
                    .col(timestamp(EventRetries::CreatedAt))
                    .col(timestamp(EventRetries::UpdatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("event_retries_consumer_event")
                    .table(EventRetries::Table)
                    .col(EventRetries::Consumer)
                    .col(EventRetries::EventId)
                    .unique()
                    .if_not_exists()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("event_retries_due")
                    .table(EventRetries::Table)
                    .col(EventRetries::State)
                    .col(EventRetries::NextAttemptAt)
                    .if_not_exists()
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(EventRetries::Table).to_owned())
            .await
    }
}
