//! Reviews, the purchases that allow them, helpful votes, and each product's rating kept
//! as running totals (changed in the transaction that changes a review, never recounted).

use sea_orm_migration::prelude::*;

use crate::shared::timestamp;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Purchases {
    Table,
    CustomerId,
    ProductId,
    DeliveredAt,
}

#[derive(DeriveIden)]
enum Reviews {
    Table,
    Id,
    ProductId,
    AuthorId,
    Rating,
    Title,
    Body,
    VerifiedPurchase,
    HelpfulCount,
    Reply,
    RepliedAt,
    HiddenAt,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum ReviewVotes {
    Table,
    ReviewId,
    VoterId,
    Helpful,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum ProductRatings {
    Table,
    ProductId,
    ReviewCount,
    RatingSum,
    OneStar,
    TwoStars,
    ThreeStars,
    FourStars,
    FiveStars,
    Version,
    UpdatedAt,
}

/// A running total that never goes below zero.
fn tally(column: ProductRatings) -> ColumnDef {
    ColumnDef::new(column)
        .big_integer()
        .not_null()
        .default(0)
        .check(Expr::col(column).gte(0))
        .to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // Who has received what: one row per customer and product, from delivered shipments.
        manager
            .create_table(
                Table::create()
                    .table(Purchases::Table)
                    .col(ColumnDef::new(Purchases::CustomerId).uuid().not_null())
                    .col(ColumnDef::new(Purchases::ProductId).uuid().not_null())
                    .col(timestamp(Purchases::DeliveredAt))
                    .primary_key(
                        Index::create()
                            .col(Purchases::CustomerId)
                            .col(Purchases::ProductId),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Reviews::Table)
                    .col(ColumnDef::new(Reviews::Id).uuid().not_null().primary_key())
                    .col(ColumnDef::new(Reviews::ProductId).uuid().not_null())
                    .col(ColumnDef::new(Reviews::AuthorId).uuid().not_null())
                    .col(
                        ColumnDef::new(Reviews::Rating)
                            .integer()
                            .not_null()
                            .check(Expr::col(Reviews::Rating).between(1, 5)),
                    )
                    .col(ColumnDef::new(Reviews::Title).text().not_null())
                    .col(ColumnDef::new(Reviews::Body).text().not_null())
                    .col(
                        ColumnDef::new(Reviews::VerifiedPurchase)
                            .boolean()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(Reviews::HelpfulCount)
                            .big_integer()
                            .not_null()
                            .default(0)
                            .check(Expr::col(Reviews::HelpfulCount).gte(0)),
                    )
                    .col(ColumnDef::new(Reviews::Reply).text().null())
                    .col(
                        ColumnDef::new(Reviews::RepliedAt)
                            .timestamp_with_time_zone()
                            .null(),
                    )
                    .col(
                        ColumnDef::new(Reviews::HiddenAt)
                            .timestamp_with_time_zone()
                            .null(),
                    )
                    .col(timestamp(Reviews::CreatedAt))
                    .col(timestamp(Reviews::UpdatedAt))
                    .to_owned(),
            )
            .await?;
        // One review per customer and product: of two submissions racing, one is refused here.
        manager
            .create_index(
                Index::create()
                    .name("reviews_one_per_customer")
                    .table(Reviews::Table)
                    .col(Reviews::ProductId)
                    .col(Reviews::AuthorId)
                    .unique()
                    .to_owned(),
            )
            .await?;
        // The orders a product's reviews are listed in, and a customer's reviews.
        for (name, columns) in [
            (
                "reviews_product_newest",
                vec![Reviews::ProductId, Reviews::Id],
            ),
            (
                "reviews_product_rating",
                vec![Reviews::ProductId, Reviews::Rating, Reviews::Id],
            ),
            (
                "reviews_product_helpful",
                vec![Reviews::ProductId, Reviews::HelpfulCount, Reviews::Id],
            ),
            ("reviews_author", vec![Reviews::AuthorId, Reviews::Id]),
        ] {
            let mut index = Index::create();
            index.name(name).table(Reviews::Table);
            for column in columns {
                index.col(column);
            }
            manager.create_index(index.to_owned()).await?;
        }
        manager
            .create_table(
                Table::create()
                    .table(ReviewVotes::Table)
                    .col(ColumnDef::new(ReviewVotes::ReviewId).uuid().not_null())
                    .col(ColumnDef::new(ReviewVotes::VoterId).uuid().not_null())
                    .col(ColumnDef::new(ReviewVotes::Helpful).boolean().not_null())
                    .col(timestamp(ReviewVotes::CreatedAt))
                    .col(timestamp(ReviewVotes::UpdatedAt))
                    .primary_key(
                        Index::create()
                            .col(ReviewVotes::ReviewId)
                            .col(ReviewVotes::VoterId),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(ReviewVotes::Table, ReviewVotes::ReviewId)
                            .to(Reviews::Table, Reviews::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        // A product's visible reviews as totals: what `Product.rating` reads and the rating
        // events carry. `version` grows with every change.
        manager
            .create_table(
                Table::create()
                    .table(ProductRatings::Table)
                    .col(
                        ColumnDef::new(ProductRatings::ProductId)
                            .uuid()
                            .not_null()
                            .primary_key(),
                    )
                    .col(tally(ProductRatings::ReviewCount))
                    .col(tally(ProductRatings::RatingSum))
                    .col(tally(ProductRatings::OneStar))
                    .col(tally(ProductRatings::TwoStars))
                    .col(tally(ProductRatings::ThreeStars))
                    .col(tally(ProductRatings::FourStars))
                    .col(tally(ProductRatings::FiveStars))
                    .col(tally(ProductRatings::Version))
                    .col(timestamp(ProductRatings::UpdatedAt))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            ProductRatings::Table.into_iden(),
            ReviewVotes::Table.into_iden(),
            Reviews::Table.into_iden(),
            Purchases::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}
