use std::sync::Arc;

use async_graphql::{Context, ID, Object, Result};
use micromall_kit::graphql::viewer;

use super::types::{ProductVariant, StockPayload};
use crate::service::Inventory;

pub struct Mutation;

const WRITE: &str = "inventory:write";

fn inventory<'a>(ctx: &'a Context<'_>) -> &'a Inventory {
    ctx.data_unchecked::<Arc<Inventory>>()
}

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
        Ok(
            match inventory(ctx).set_stock(by, &variant_id, quantity).await? {
                Ok(variant) => StockPayload {
                    variant: Some(ProductVariant {
                        id: variant,
                        batch: None,
                    }),
                    user_errors: Vec::new(),
                },
                Err(user_errors) => StockPayload {
                    variant: None,
                    user_errors,
                },
            },
        )
    }
}
