//! Coupons and the uses held against their budgets, and automatic promotions.

use sea_orm_migration::prelude::*;

use crate::shared::{money, timestamp};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden, Clone, Copy)]
enum Coupons {
    Table,
    Id,
    Code,
    CodeKey,
    Kind,
    Value,
    CategoryIds,
    ProductIds,
    MinSubtotal,
    StartsAt,
    EndsAt,
    UsageLimit,
    PerCustomerLimit,
    UsesTaken,
    TimesUsed,
    Active,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum CouponUses {
    Table,
    OrderId,
    CouponId,
    CustomerId,
    State,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Promotions {
    Table,
    Id,
    Name,
    Kind,
    Value,
    Target,
    CategoryIds,
    ProductIds,
    MinSubtotal,
    Priority,
    Stackable,
    StartsAt,
    EndsAt,
    Active,
    CreatedAt,
    UpdatedAt,
}

/// A count that never goes below zero.
fn count(column: Coupons) -> ColumnDef {
    ColumnDef::new(column)
        .big_integer()
        .not_null()
        .default(0)
        .check(Expr::col(column).gte(0))
        .to_owned()
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
        // `uses_taken` counts uses held by unpaid orders and used by paid ones: what the
        // usage limit is checked against, in the same statement that takes one more.
        manager
            .create_table(
                Table::create()
                    .table(Coupons::Table)
                    .col(ColumnDef::new(Coupons::Id).uuid().not_null().primary_key())
                    .col(ColumnDef::new(Coupons::Code).string().not_null())
                    .col(
                        ColumnDef::new(Coupons::CodeKey)
                            .string()
                            .not_null()
                            .unique_key(),
                    )
                    .col(ColumnDef::new(Coupons::Kind).string().not_null())
                    .col(money(Coupons::Value))
                    .col(ColumnDef::new(Coupons::CategoryIds).json().not_null())
                    .col(ColumnDef::new(Coupons::ProductIds).json().not_null())
                    .col(
                        ColumnDef::new(Coupons::MinSubtotal)
                            .decimal_len(19, 4)
                            .null(),
                    )
                    .col(optional_instant(Coupons::StartsAt))
                    .col(optional_instant(Coupons::EndsAt))
                    .col(ColumnDef::new(Coupons::UsageLimit).big_integer().null())
                    .col(
                        ColumnDef::new(Coupons::PerCustomerLimit)
                            .big_integer()
                            .null(),
                    )
                    .col(count(Coupons::UsesTaken))
                    .col(count(Coupons::TimesUsed))
                    .col(ColumnDef::new(Coupons::Active).boolean().not_null())
                    .col(timestamp(Coupons::CreatedAt))
                    .col(timestamp(Coupons::UpdatedAt))
                    .to_owned(),
            )
            .await?;
        // One use per order: a repeated hold finds its row.
        manager
            .create_table(
                Table::create()
                    .table(CouponUses::Table)
                    .col(
                        ColumnDef::new(CouponUses::OrderId)
                            .uuid()
                            .not_null()
                            .primary_key(),
                    )
                    .col(ColumnDef::new(CouponUses::CouponId).uuid().not_null())
                    .col(ColumnDef::new(CouponUses::CustomerId).uuid().not_null())
                    .col(ColumnDef::new(CouponUses::State).string().not_null())
                    .col(timestamp(CouponUses::CreatedAt))
                    .col(timestamp(CouponUses::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(CouponUses::Table, CouponUses::CouponId)
                            .to(Coupons::Table, Coupons::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("coupon_uses_by_customer")
                    .table(CouponUses::Table)
                    .col(CouponUses::CouponId)
                    .col(CouponUses::CustomerId)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Promotions::Table)
                    .col(
                        ColumnDef::new(Promotions::Id)
                            .uuid()
                            .not_null()
                            .primary_key(),
                    )
                    .col(ColumnDef::new(Promotions::Name).string().not_null())
                    .col(ColumnDef::new(Promotions::Kind).string().not_null())
                    .col(money(Promotions::Value))
                    .col(ColumnDef::new(Promotions::Target).string().not_null())
                    .col(ColumnDef::new(Promotions::CategoryIds).json().not_null())
                    .col(ColumnDef::new(Promotions::ProductIds).json().not_null())
                    .col(
                        ColumnDef::new(Promotions::MinSubtotal)
                            .decimal_len(19, 4)
                            .null(),
                    )
                    .col(ColumnDef::new(Promotions::Priority).integer().not_null())
                    .col(ColumnDef::new(Promotions::Stackable).boolean().not_null())
                    .col(optional_instant(Promotions::StartsAt))
                    .col(optional_instant(Promotions::EndsAt))
                    .col(ColumnDef::new(Promotions::Active).boolean().not_null())
                    .col(timestamp(Promotions::CreatedAt))
                    .col(timestamp(Promotions::UpdatedAt))
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            Promotions::Table.into_iden(),
            CouponUses::Table.into_iden(),
            Coupons::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}
