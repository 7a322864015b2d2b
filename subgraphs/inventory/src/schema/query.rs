use std::sync::Arc;

use async_graphql::{Context, ID, Object};
use uuid::Uuid;

use super::entity_batch::EntityBatch;
use super::types::ProductVariant;

pub struct Query;

#[Object]
impl Query {
    /// Federation: any variant id has a stock (0 when never stocked); catalog says whether
    /// the variant exists.
    #[graphql(entity)]
    async fn find_variant_by_id(&self, ctx: &Context<'_>, id: ID) -> Option<ProductVariant> {
        let id = Uuid::parse_str(&id).ok()?;
        let batch = ctx.data_opt::<Arc<EntityBatch>>().cloned();
        if let Some(batch) = &batch {
            batch.note_representations(ctx);
        }
        Some(ProductVariant { id, batch })
    }
}
