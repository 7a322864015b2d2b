//! The home page: banners, announcements and featured products the shop curates, and what
//! marketing learns from catalog and orders to fill it (new arrivals, best sellers, what each
//! customer bought).

use sea_orm_migration::prelude::*;

use crate::shared::timestamp;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Banners {
    Table,
    Id,
    Title,
    ImageUrl,
    Alt,
    LinkUrl,
    Position,
    StartsAt,
    EndsAt,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Announcements {
    Table,
    Id,
    Kind,
    Message,
    StartsAt,
    EndsAt,
    CreatedAt,
}

#[derive(DeriveIden)]
enum FeaturedProducts {
    Table,
    ProductId,
    Position,
}

#[derive(DeriveIden)]
enum KnownProducts {
    Table,
    ProductId,
    CategoryIds,
    CreatedAt,
    Archived,
}

#[derive(DeriveIden)]
enum PlacedLines {
    Table,
    OrderId,
    ProductId,
    CustomerId,
    Quantity,
}

#[derive(DeriveIden)]
enum ProductSales {
    Table,
    ProductId,
    Day,
    Units,
}

#[derive(DeriveIden)]
enum Purchases {
    Table,
    CustomerId,
    ProductId,
    PurchasedAt,
}

fn optional_instant(column: impl IntoIden) -> ColumnDef {
    ColumnDef::new(column)
        .timestamp_with_time_zone()
        .null()
        .to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Banners::Table)
                    .col(ColumnDef::new(Banners::Id).uuid().not_null().primary_key())
                    .col(ColumnDef::new(Banners::Title).string().not_null())
                    .col(ColumnDef::new(Banners::ImageUrl).text().not_null())
                    .col(ColumnDef::new(Banners::Alt).string().not_null())
                    .col(ColumnDef::new(Banners::LinkUrl).text().not_null())
                    .col(ColumnDef::new(Banners::Position).integer().not_null())
                    .col(optional_instant(Banners::StartsAt))
                    .col(optional_instant(Banners::EndsAt))
                    .col(timestamp(Banners::CreatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Announcements::Table)
                    .col(
                        ColumnDef::new(Announcements::Id)
                            .uuid()
                            .not_null()
                            .primary_key(),
                    )
                    .col(ColumnDef::new(Announcements::Kind).string().not_null())
                    .col(ColumnDef::new(Announcements::Message).text().not_null())
                    .col(timestamp(Announcements::StartsAt))
                    .col(timestamp(Announcements::EndsAt))
                    .col(timestamp(Announcements::CreatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(FeaturedProducts::Table)
                    .col(
                        ColumnDef::new(FeaturedProducts::ProductId)
                            .uuid()
                            .not_null()
                            .primary_key(),
                    )
                    .col(
                        ColumnDef::new(FeaturedProducts::Position)
                            .integer()
                            .not_null(),
                    )
                    .to_owned(),
            )
            .await?;
        // Products as catalog announced them: for new arrivals and for the categories of
        // what customers bought.
        manager
            .create_table(
                Table::create()
                    .table(KnownProducts::Table)
                    .col(
                        ColumnDef::new(KnownProducts::ProductId)
                            .uuid()
                            .not_null()
                            .primary_key(),
                    )
                    .col(ColumnDef::new(KnownProducts::CategoryIds).json().not_null())
                    .col(timestamp(KnownProducts::CreatedAt))
                    .col(ColumnDef::new(KnownProducts::Archived).boolean().not_null())
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("known_products_newest")
                    .table(KnownProducts::Table)
                    .col(KnownProducts::CreatedAt)
                    .to_owned(),
            )
            .await?;
        // A placed order's products, until it is paid (then they count as sold).
        manager
            .create_table(
                Table::create()
                    .table(PlacedLines::Table)
                    .col(ColumnDef::new(PlacedLines::OrderId).uuid().not_null())
                    .col(ColumnDef::new(PlacedLines::ProductId).uuid().not_null())
                    .col(ColumnDef::new(PlacedLines::CustomerId).uuid().not_null())
                    .col(
                        ColumnDef::new(PlacedLines::Quantity)
                            .big_integer()
                            .not_null(),
                    )
                    .primary_key(
                        Index::create()
                            .col(PlacedLines::OrderId)
                            .col(PlacedLines::ProductId),
                    )
                    .to_owned(),
            )
            .await?;
        // Units paid for, per product and day (UTC): best sellers sum the last 30 days.
        manager
            .create_table(
                Table::create()
                    .table(ProductSales::Table)
                    .col(ColumnDef::new(ProductSales::ProductId).uuid().not_null())
                    .col(ColumnDef::new(ProductSales::Day).string_len(10).not_null())
                    .col(ColumnDef::new(ProductSales::Units).big_integer().not_null())
                    .primary_key(
                        Index::create()
                            .col(ProductSales::ProductId)
                            .col(ProductSales::Day),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("product_sales_by_day")
                    .table(ProductSales::Table)
                    .col(ProductSales::Day)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Purchases::Table)
                    .col(ColumnDef::new(Purchases::CustomerId).uuid().not_null())
                    .col(ColumnDef::new(Purchases::ProductId).uuid().not_null())
                    .col(timestamp(Purchases::PurchasedAt))
                    .primary_key(
                        Index::create()
                            .col(Purchases::CustomerId)
                            .col(Purchases::ProductId),
                    )
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            Purchases::Table.into_iden(),
            ProductSales::Table.into_iden(),
            PlacedLines::Table.into_iden(),
            KnownProducts::Table.into_iden(),
            FeaturedProducts::Table.into_iden(),
            Announcements::Table.into_iden(),
            Banners::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}
