use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::prelude::Uuid;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// The warehouse every deployment starts with; `setStock` counts stock there.
const DEFAULT_WAREHOUSE_ID: Uuid = Uuid::from_u128(0x0193_4a00_0000_7000_8000_0000_0000_0001);

#[derive(DeriveIden)]
enum Warehouses {
    Table,
    Id,
    Code,
    Name,
    IsDefault,
    CreatedAt,
}

#[derive(DeriveIden)]
enum StockLevels {
    Table,
    VariantId,
    WarehouseId,
    OnHand,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum VariantStock {
    Table,
    VariantId,
    OnHand,
    Reserved,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Reservations {
    Table,
    Id,
    Status,
    ExpiresAt,
    Reason,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum ReservationLines {
    Table,
    ReservationId,
    VariantId,
    Quantity,
}

#[derive(DeriveIden)]
enum StockMovements {
    Table,
    Id,
    VariantId,
    WarehouseId,
    Kind,
    Quantity,
    OnHandAfter,
    ReservedAfter,
    Reference,
    Note,
    CreatedAt,
}

fn created_at<T: IntoIden>(column: T) -> ColumnDef {
    ColumnDef::new(column)
        .timestamp_with_time_zone()
        .not_null()
        .to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Warehouses::Table)
                    .col(
                        ColumnDef::new(Warehouses::Id)
                            .uuid()
                            .not_null()
                            .primary_key(),
                    )
                    .col(
                        ColumnDef::new(Warehouses::Code)
                            .string_len(100)
                            .not_null()
                            .unique_key(),
                    )
                    .col(ColumnDef::new(Warehouses::Name).string_len(400).not_null())
                    .col(ColumnDef::new(Warehouses::IsDefault).boolean().not_null())
                    .col(created_at(Warehouses::CreatedAt))
                    .to_owned(),
            )
            .await?;
        let default_warehouse = Query::insert()
            .into_table(Warehouses::Table)
            .columns([
                Warehouses::Id,
                Warehouses::Code,
                Warehouses::Name,
                Warehouses::IsDefault,
                Warehouses::CreatedAt,
            ])
            .values([
                DEFAULT_WAREHOUSE_ID.into(),
                "default".into(),
                "Default warehouse".into(),
                true.into(),
                Expr::current_timestamp(),
            ])
            .map_err(|e| DbErr::Migration(e.to_string()))?
            .to_owned();
        manager.exec_stmt(default_warehouse).await?;

        manager
            .create_table(
                Table::create()
                    .table(StockLevels::Table)
                    .col(ColumnDef::new(StockLevels::VariantId).uuid().not_null())
                    .col(ColumnDef::new(StockLevels::WarehouseId).uuid().not_null())
                    .col(ColumnDef::new(StockLevels::OnHand).big_integer().not_null())
                    .col(created_at(StockLevels::UpdatedAt))
                    .primary_key(
                        Index::create()
                            .col(StockLevels::VariantId)
                            .col(StockLevels::WarehouseId),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(StockLevels::Table, StockLevels::WarehouseId)
                            .to(Warehouses::Table, Warehouses::Id),
                    )
                    .to_owned(),
            )
            .await?;
        // One row per variant: the sum over warehouses next to what is held, so "is there
        // enough, then hold it" is a single conditional UPDATE.
        manager
            .create_table(
                Table::create()
                    .table(VariantStock::Table)
                    .col(
                        ColumnDef::new(VariantStock::VariantId)
                            .uuid()
                            .not_null()
                            .primary_key(),
                    )
                    .col(
                        ColumnDef::new(VariantStock::OnHand)
                            .big_integer()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(VariantStock::Reserved)
                            .big_integer()
                            .not_null()
                            .check(Expr::col(VariantStock::Reserved).gte(0)),
                    )
                    .col(created_at(VariantStock::UpdatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Reservations::Table)
                    .col(
                        ColumnDef::new(Reservations::Id)
                            .uuid()
                            .not_null()
                            .primary_key(),
                    )
                    .col(
                        ColumnDef::new(Reservations::Status)
                            .string_len(20)
                            .not_null(),
                    )
                    .col(created_at(Reservations::ExpiresAt))
                    .col(ColumnDef::new(Reservations::Reason).string_len(400).null())
                    .col(created_at(Reservations::CreatedAt))
                    .col(created_at(Reservations::UpdatedAt))
                    .to_owned(),
            )
            .await?;
        // What the sweeper looks for: holds whose time is up.
        manager
            .create_index(
                Index::create()
                    .name("reservations_status_expiry")
                    .table(Reservations::Table)
                    .col(Reservations::Status)
                    .col(Reservations::ExpiresAt)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(ReservationLines::Table)
                    .col(
                        ColumnDef::new(ReservationLines::ReservationId)
                            .uuid()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(ReservationLines::VariantId)
                            .uuid()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(ReservationLines::Quantity)
                            .big_integer()
                            .not_null(),
                    )
                    .primary_key(
                        Index::create()
                            .col(ReservationLines::ReservationId)
                            .col(ReservationLines::VariantId),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(ReservationLines::Table, ReservationLines::ReservationId)
                            .to(Reservations::Table, Reservations::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(StockMovements::Table)
                    .col(
                        ColumnDef::new(StockMovements::Id)
                            .uuid()
                            .not_null()
                            .primary_key(),
                    )
                    .col(ColumnDef::new(StockMovements::VariantId).uuid().not_null())
                    .col(ColumnDef::new(StockMovements::WarehouseId).uuid().null())
                    .col(
                        ColumnDef::new(StockMovements::Kind)
                            .string_len(20)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(StockMovements::Quantity)
                            .big_integer()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(StockMovements::OnHandAfter)
                            .big_integer()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(StockMovements::ReservedAfter)
                            .big_integer()
                            .not_null(),
                    )
                    .col(ColumnDef::new(StockMovements::Reference).uuid().null())
                    .col(ColumnDef::new(StockMovements::Note).string_len(400).null())
                    .col(created_at(StockMovements::CreatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("stock_movements_variant")
                    .table(StockMovements::Table)
                    .col(StockMovements::VariantId)
                    .col(StockMovements::Id)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            StockMovements::Table.into_iden(),
            ReservationLines::Table.into_iden(),
            Reservations::Table.into_iden(),
            VariantStock::Table.into_iden(),
            StockLevels::Table.into_iden(),
            Warehouses::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}
