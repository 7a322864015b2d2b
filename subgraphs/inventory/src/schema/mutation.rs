use async_graphql::{Context, ID, Object, Result};
use micromall_kit::answer;
use micromall_kit::graphql::{service, viewer};

use super::types::{ProductVariant, StockPayload};
use crate::service::Inventory;

pub struct Mutation;

const WRITE: &str = "inventory:write";

#[Object]
impl Mutation {
    /// Sets on-hand in the default warehouse.
    #[graphql(requires_scopes = "inventory:write")]
    async fn set_stock(
        &self,
        ctx: &Context<'_>,
        variant_id: ID,
        quantity: i32,
    ) -> Result<StockPayload> {
        let by = viewer(ctx).require_scope(WRITE)?;
        let set = service::<Inventory>(ctx)?
            .set_stock(by, &variant_id, quantity)
            .await;
        answer(set.map(|id| ProductVariant { id, batch: None }))
    }
}
