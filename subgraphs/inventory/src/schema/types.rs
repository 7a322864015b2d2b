//! API types of the inventory section of the contract.

use std::sync::Arc;

use async_graphql::dataloader::DataLoader;
use async_graphql::{Context, ID, Object, Result, SimpleObject};
use uuid::Uuid;

use super::entity_batch::EntityBatch;
use super::loaders::AvailableLoader;

/// Catalog's variant; inventory contributes its `stock`.
pub struct ProductVariant {
    pub id: Uuid,
    /// Set when the variant came through `_entities`: its stock is read with the others'.
    pub batch: Option<Arc<EntityBatch>>,
}

#[Object]
impl ProductVariant {
    async fn id(&self) -> ID {
        ID(self.id.to_string())
    }

    async fn stock(&self, ctx: &Context<'_>) -> Result<Stock> {
        let batched = match &self.batch {
            Some(batch) => batch.available(ctx, self.id).await?,
            None => None,
        };
        let available = match batched {
            Some(available) => available,
            None => ctx
                .data_unchecked::<DataLoader<AvailableLoader>>()
                .load_one(self.id)
                .await?
                .unwrap_or(0),
        };
        Ok(Stock {
            available: i32::try_from(available).unwrap_or(i32::MAX),
            in_stock: available > 0,
        })
    }
}

// A shared cache (the router's, for anonymous callers) may keep stock for a second: a
// shopper may see "in stock" a second too long, never an oversold order (holds are taken
// against the database at checkout).
#[derive(SimpleObject)]
#[graphql(cache_control(max_age = 1))]
pub struct Stock {
    /// On hand minus active reservations, across warehouses.
    pub available: i32,
    pub in_stock: bool,
}

micromall_kit::payload!(
    /// codes: NOT_FOUND, INVALID_QUANTITY
    StockPayload,
    variant: ProductVariant
);
