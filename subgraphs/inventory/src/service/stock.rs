//! Stock counts and what they leave available.

use std::collections::HashMap;

use chrono::Utc;
use micromall_kit::contracts::catalog::{self, VariantsRequest, VariantsResponse};
use micromall_kit::db::begin_write;
use micromall_kit::outcome::Verdict;
use micromall_kit::{ApiError, ApiResult, DomainError, refuse};
use sea_orm::DbErr;
use uuid::Uuid;

use super::Inventory;
use crate::refusal::Refusal;
use crate::rules::{self, MovementKind};
use crate::store::{self, Movement};

impl Inventory {
    /// What customers can buy of each variant; 0 for variants never stocked.
    pub async fn availability(&self, variants: &[Uuid]) -> Result<HashMap<Uuid, i64>, DbErr> {
        let stock = store::stock_of(&self.db, variants).await?;
        Ok(variants
            .iter()
            .map(|v| {
                let available = stock
                    .get(v)
                    .map_or(0, |s| rules::available(s.on_hand, s.reserved));
                (*v, available)
            })
            .collect())
    }

    /// Sets what the default warehouse holds of a variant catalog knows; `by` is who counted.
    pub async fn set_stock(
        &self,
        by: Uuid,
        variant_id: &str,
        quantity: i32,
    ) -> Result<Uuid, DomainError<Refusal>> {
        let quantity = rules::check_on_hand(quantity).or_refuse()?;
        let Ok(variant) = Uuid::parse_str(variant_id) else {
            return refuse(Refusal::UnknownVariant);
        };
        // Asked before the transaction: no write lock is held across a network call.
        if !self.catalog_knows(variant).await? {
            return refuse(Refusal::UnknownVariant);
        }

        let txn = begin_write(&self.db).await?;
        self.count_in(
            &txn,
            variant,
            quantity,
            &format!("counted {quantity} by {by}"),
        )
        .await?;
        txn.commit().await?;
        self.outbox.wake();
        Ok(variant)
    }

    /// Stocks variants catalog has just created, in one transaction, without asking catalog
    /// (for seeding the demo shop, whose variants the caller made).
    pub async fn stock_new_variants(&self, counts: &[(Uuid, i64)]) -> Result<(), DbErr> {
        let txn = begin_write(&self.db).await?;
        for (variant, quantity) in counts {
            self.count_in(&txn, *variant, *quantity, "demo shop")
                .await?;
        }
        txn.commit().await
    }

    /// Sets the default warehouse's count of a variant and records the difference.
    async fn count_in(
        &self,
        txn: &impl sea_orm::ConnectionTrait,
        variant: Uuid,
        quantity: i64,
        note: &str,
    ) -> Result<(), DbErr> {
        let now = Utc::now();
        store::lock_variant(txn, variant, now).await?;
        let shelves = store::lock_shelves(txn, variant).await?;
        let shelf = shelves
            .iter()
            .find(|s| s.warehouse_id == self.default_warehouse);
        let delta = quantity - shelf.map_or(0, |s| s.on_hand);
        store::put_on_shelf(txn, shelf, variant, self.default_warehouse, quantity, now).await?;
        let totals = store::recount_on_hand(txn, variant, now).await?;
        self.record(
            txn,
            vec![Movement {
                variant,
                warehouse: Some(self.default_warehouse),
                kind: MovementKind::Adjusted,
                quantity: delta,
                on_hand_after: totals.on_hand,
                reserved_after: totals.reserved,
                reference: None,
                note: Some(note.to_owned()),
            }],
            now,
        )
        .await?;
        Ok(())
    }

    /// Whether catalog knows the variant. Catalog being unreachable is an error, not a "no".
    async fn catalog_knows(&self, variant: Uuid) -> ApiResult<bool> {
        let answer: VariantsResponse = self
            .catalog
            .call(
                catalog::SERVICE,
                catalog::VARIANTS,
                &VariantsRequest { ids: vec![variant] },
            )
            .await
            .map_err(ApiError::internal)?;
        Ok(answer.variants.iter().any(|v| v.id == variant))
    }
}
