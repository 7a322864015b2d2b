//! One load for the stock of every variant an `_entities` call names.
//!
//! async-graphql resolves a long `_entities` list in rounds of 32 entities and yields between
//! rounds, so the DataLoader's time window alone can split one lookup into several queries on
//! a busy machine. Instead the first entity whose stock is asked for loads the whole list at
//! once (one `load_many`, one query) and the others wait for that answer.

use std::collections::HashMap;
use std::sync::{Arc, OnceLock};

use async_graphql::dataloader::DataLoader;
use async_graphql::extensions::{
    Extension, ExtensionContext, ExtensionFactory, NextPrepareRequest,
};
use async_graphql::{Context, Request, Result, ServerResult, Value};
use tokio::sync::OnceCell;
use uuid::Uuid;

use super::loaders::AvailableLoader;

/// What one request's `_entities` call asks of inventory.
#[derive(Default)]
pub struct EntityBatch {
    variants: OnceLock<Vec<Uuid>>,
    available: OnceCell<HashMap<Uuid, i64>>,
}

impl EntityBatch {
    /// Notes the variants of the `_entities` call `ctx` resolves (read once per request).
    pub fn note_representations(&self, ctx: &Context<'_>) {
        self.variants.get_or_init(|| variants_named(ctx));
    }

    /// The variant's availability from the batch; `None` when the batch does not hold it
    /// (another `_entities` field of the same request).
    pub async fn available(&self, ctx: &Context<'_>, variant: Uuid) -> Result<Option<i64>> {
        let Some(variants) = self.variants.get() else {
            return Ok(None);
        };
        if variants.binary_search(&variant).is_err() {
            return Ok(None);
        }
        let available = self
            .available
            .get_or_try_init(|| {
                ctx.data_unchecked::<DataLoader<AvailableLoader>>()
                    .load_many(variants.iter().copied())
            })
            .await?;
        Ok(available.get(&variant).copied())
    }
}

/// The ids of the `ProductVariant` representations of the field `ctx` resolves.
fn variants_named(ctx: &Context<'_>) -> Vec<Uuid> {
    let Ok(arguments) = ctx.field().arguments() else {
        return Vec::new();
    };
    let mut ids = Vec::new();
    for (name, value) in arguments {
        let (true, Value::List(items)) = (name.as_str() == "representations", value) else {
            continue;
        };
        for item in items {
            let Value::Object(fields) = item else {
                continue;
            };
            let is_variant =
                matches!(fields.get("__typename"), Some(Value::String(t)) if t == "ProductVariant");
            if let (true, Some(Value::String(id))) = (is_variant, fields.get("id"))
                && let Ok(id) = Uuid::parse_str(id)
            {
                ids.push(id);
            }
        }
    }
    ids.sort_unstable();
    ids.dedup();
    ids
}

/// Gives every request its own `EntityBatch`.
pub struct PerRequestBatch;

impl ExtensionFactory for PerRequestBatch {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(PerRequestBatch)
    }
}

#[async_graphql::async_trait::async_trait]
impl Extension for PerRequestBatch {
    async fn prepare_request(
        &self,
        ctx: &ExtensionContext<'_>,
        request: Request,
        next: NextPrepareRequest<'_>,
    ) -> ServerResult<Request> {
        next.run(ctx, request.data(Arc::new(EntityBatch::default())))
            .await
    }
}
