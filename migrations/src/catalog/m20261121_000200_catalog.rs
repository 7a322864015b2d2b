use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Categories {
    Table,
    Id,
    Name,
    Slug,
    ParentId,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Products {
    Table,
    Id,
    Slug,
    Name,
    Description,
    CategoryId,
    ArchivedAt,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum ProductTags {
    Table,
    ProductId,
    Tag,
}

#[derive(DeriveIden)]
enum ProductImages {
    Table,
    ProductId,
    Position,
    Url,
    Alt,
}

#[derive(DeriveIden)]
enum Variants {
    Table,
    Id,
    ProductId,
    Sku,
    Name,
    Price,
    Attributes,
    Position,
    CreatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Categories::Table)
                    .col(
                        ColumnDef::new(Categories::Id)
                            .uuid()
                            .not_null()
                            .primary_key(),
                    )
                    .col(ColumnDef::new(Categories::Name).string_len(400).not_null())
                    .col(
                        ColumnDef::new(Categories::Slug)
                            .string_len(200)
                            .not_null()
                            .unique_key(),
                    )
                    .col(ColumnDef::new(Categories::ParentId).uuid().null())
                    .col(
                        ColumnDef::new(Categories::CreatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(Categories::Table, Categories::ParentId)
                            .to(Categories::Table, Categories::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("categories_parent")
                    .table(Categories::Table)
                    .col(Categories::ParentId)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Products::Table)
                    .col(ColumnDef::new(Products::Id).uuid().not_null().primary_key())
                    .col(
                        ColumnDef::new(Products::Slug)
                            .string_len(200)
                            .not_null()
                            .unique_key(),
                    )
                    .col(ColumnDef::new(Products::Name).string_len(800).not_null())
                    .col(ColumnDef::new(Products::Description).text().not_null())
                    .col(ColumnDef::new(Products::CategoryId).uuid().null())
                    .col(
                        ColumnDef::new(Products::ArchivedAt)
                            .timestamp_with_time_zone()
                            .null(),
                    )
                    .col(
                        ColumnDef::new(Products::CreatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(Products::UpdatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(Products::Table, Products::CategoryId)
                            .to(Categories::Table, Categories::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("products_category")
                    .table(Products::Table)
                    .col(Products::CategoryId)
                    .col(Products::Id)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(ProductTags::Table)
                    .col(ColumnDef::new(ProductTags::ProductId).uuid().not_null())
                    .col(ColumnDef::new(ProductTags::Tag).string_len(100).not_null())
                    .primary_key(
                        Index::create()
                            .col(ProductTags::ProductId)
                            .col(ProductTags::Tag),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(ProductTags::Table, ProductTags::ProductId)
                            .to(Products::Table, Products::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("product_tags_tag")
                    .table(ProductTags::Table)
                    .col(ProductTags::Tag)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(ProductImages::Table)
                    .col(ColumnDef::new(ProductImages::ProductId).uuid().not_null())
                    .col(ColumnDef::new(ProductImages::Position).integer().not_null())
                    .col(
                        ColumnDef::new(ProductImages::Url)
                            .string_len(2048)
                            .not_null(),
                    )
                    .col(ColumnDef::new(ProductImages::Alt).string_len(400).null())
                    .primary_key(
                        Index::create()
                            .col(ProductImages::ProductId)
                            .col(ProductImages::Position),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(ProductImages::Table, ProductImages::ProductId)
                            .to(Products::Table, Products::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Variants::Table)
                    .col(ColumnDef::new(Variants::Id).uuid().not_null().primary_key())
                    .col(ColumnDef::new(Variants::ProductId).uuid().not_null())
                    .col(
                        ColumnDef::new(Variants::Sku)
                            .string_len(100)
                            .not_null()
                            .unique_key(),
                    )
                    .col(ColumnDef::new(Variants::Name).string_len(400).not_null())
                    // Exact money: numeric, never floating point.
                    .col(
                        ColumnDef::new(Variants::Price)
                            .decimal_len(19, 4)
                            .not_null(),
                    )
                    .col(ColumnDef::new(Variants::Attributes).json().not_null())
                    .col(ColumnDef::new(Variants::Position).integer().not_null())
                    .col(
                        ColumnDef::new(Variants::CreatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(Variants::Table, Variants::ProductId)
                            .to(Products::Table, Products::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("variants_product")
                    .table(Variants::Table)
                    .col(Variants::ProductId)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            Variants::Table.into_iden(),
            ProductImages::Table.into_iden(),
            ProductTags::Table.into_iden(),
            Products::Table.into_iden(),
            Categories::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}
