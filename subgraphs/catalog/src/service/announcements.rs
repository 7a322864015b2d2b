//! What catalog tells other domains, written in the transaction of the change it reports.

use micromall_kit::db::begin_write;
use micromall_kit::money::round_to_currency;
use sea_orm::{ConnectionTrait, DbErr};
use uuid::Uuid;

use super::Catalog;
use crate::entity::product;
use crate::events::{
    CategoryRef, PRODUCT_ARCHIVED, PRODUCT_CHANGED, ProductArchived, ProductSnapshot,
};
use crate::store;

/// Products re-announced per transaction.
const ANNOUNCE_BATCH: u64 = 200;

impl Catalog {
    /// Announces every product again (`changed`, or `archived` for archived ones), so a
    /// consumer can rebuild what it derives from the catalog. Returns how many.
    pub async fn announce_all(&self) -> Result<u64, DbErr> {
        let mut after: Option<Uuid> = None;
        let mut announced = 0;
        loop {
            let batch = store::products_page(&self.db, after, ANNOUNCE_BATCH).await?;
            let Some(last) = batch.last() else { break };
            after = Some(last.id);
            let txn = begin_write(&self.db).await?;
            for product in &batch {
                match product.archived_at {
                    Some(_) => self.announce_archived(&txn, product.id).await?,
                    None => self.announce_change(&txn, product).await?,
                }
                announced += 1;
            }
            self.commit(txn).await?;
        }
        Ok(announced)
    }

    /// Writes `catalog.product.archived` in the caller's transaction.
    pub(super) async fn announce_archived(
        &self,
        conn: &impl ConnectionTrait,
        id: Uuid,
    ) -> Result<(), DbErr> {
        self.outbox
            .enqueue(conn, PRODUCT_ARCHIVED, &ProductArchived { id })
            .await?;
        Ok(())
    }

    /// Writes `catalog.product.changed` in the caller's transaction.
    pub(super) async fn announce_change(
        &self,
        conn: &impl ConnectionTrait,
        product: &product::Model,
    ) -> Result<(), DbErr> {
        let variants = store::variants_by_product(conn, &[product.id])
            .await?
            .remove(&product.id)
            .unwrap_or_default();
        let tags = store::tags_by_product(conn, &[product.id])
            .await?
            .remove(&product.id)
            .unwrap_or_default();
        let snapshot = ProductSnapshot {
            id: product.id,
            slug: product.slug.clone(),
            name: product.name.clone(),
            description: product.description.clone(),
            category_id: product.category_id,
            category_path: category_path(conn, product.category_id).await?,
            tags,
            min_price: variants
                .iter()
                .map(|v| v.price)
                .min()
                .map(|p| round_to_currency(p, &self.currency)),
            currency: self.currency.clone(),
            variant_ids: variants.iter().map(|v| v.id).collect(),
            created_at: product.created_at,
        };
        self.outbox
            .enqueue(conn, PRODUCT_CHANGED, &snapshot)
            .await?;
        Ok(())
    }
}

/// The category and its ancestors, nearest first (a cycle in the data ends the walk).
async fn category_path(
    conn: &impl ConnectionTrait,
    category: Option<Uuid>,
) -> Result<Vec<CategoryRef>, DbErr> {
    let mut path: Vec<CategoryRef> = Vec::new();
    let mut next = category;
    while let Some(id) = next {
        let Some(c) = store::category(conn, id).await? else {
            break;
        };
        if path.iter().any(|r| r.id == c.id) {
            break;
        }
        next = c.parent_id;
        path.push(CategoryRef {
            id: c.id,
            name: c.name,
        });
    }
    Ok(path)
}
