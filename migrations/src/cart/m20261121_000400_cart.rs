use sea_orm_migration::prelude::*;

use crate::shared::timestamp;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Carts {
    Table,
    Id,
    UserId,
    Version,
    CouponCode,
    CouponVersion,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum CartLines {
    Table,
    Id,
    CartId,
    VariantId,
    Quantity,
    Version,
    CreatedAt,
    UpdatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Carts::Table)
                    .col(ColumnDef::new(Carts::Id).uuid().not_null().primary_key())
                    // One cart per customer: concurrent first adds meet on this constraint.
                    .col(ColumnDef::new(Carts::UserId).uuid().not_null().unique_key())
                    .col(
                        ColumnDef::new(Carts::Version)
                            .big_integer()
                            .not_null()
                            .default(0),
                    )
                    .col(ColumnDef::new(Carts::CouponCode).string_len(64).null())
                    // The cart version at which the coupon was applied, so clearing a checked-out
                    // version leaves a coupon applied afterwards alone.
                    .col(ColumnDef::new(Carts::CouponVersion).big_integer().null())
                    .col(timestamp(Carts::CreatedAt))
                    .col(timestamp(Carts::UpdatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(CartLines::Table)
                    .col(
                        ColumnDef::new(CartLines::Id)
                            .uuid()
                            .not_null()
                            .primary_key(),
                    )
                    .col(ColumnDef::new(CartLines::CartId).uuid().not_null())
                    .col(ColumnDef::new(CartLines::VariantId).uuid().not_null())
                    .col(ColumnDef::new(CartLines::Quantity).integer().not_null())
                    // The cart version at which this line last changed.
                    .col(ColumnDef::new(CartLines::Version).big_integer().not_null())
                    .col(timestamp(CartLines::CreatedAt))
                    .col(timestamp(CartLines::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(CartLines::Table, CartLines::CartId)
                            .to(Carts::Table, Carts::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        // One line per variant in a cart; also serves "the lines of a cart".
        manager
            .create_index(
                Index::create()
                    .name("cart_lines_cart_variant")
                    .table(CartLines::Table)
                    .col(CartLines::CartId)
                    .col(CartLines::VariantId)
                    .unique()
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [CartLines::Table.into_iden(), Carts::Table.into_iden()] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}
