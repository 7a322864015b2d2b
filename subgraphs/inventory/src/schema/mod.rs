//! The inventory GraphQL schema: translation between the API contract and the service.

mod entity_batch;
mod loaders;
mod mutation;
mod query;
mod types;

use std::sync::Arc;

use async_graphql::dataloader::DataLoader;
use async_graphql::{EmptySubscription, Schema};
use micromall_kit::graphql::schema_builder;

use crate::service::Inventory;
pub use mutation::Mutation;
pub use query::Query;

pub type InventorySchema = Schema<Query, Mutation, EmptySubscription>;

/// The schema with its data; `None` builds it bare (for printing the SDL).
pub fn build(inventory: Option<Arc<Inventory>>) -> InventorySchema {
    let mut builder = schema_builder(Query, Mutation);
    if let Some(inventory) = inventory {
        builder = builder
            .extension(entity_batch::PerRequestBatch)
            .data(DataLoader::new(
                loaders::AvailableLoader(inventory.clone()),
                tokio::spawn,
            ))
            .data(inventory);
    }
    builder.finish()
}
