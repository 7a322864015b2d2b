//! The catalog GraphQL schema: translation between the API contract and the service.

mod loaders;
mod mutation;
mod query;
mod types;

use std::sync::Arc;

use async_graphql::dataloader::DataLoader;
use async_graphql::{EmptySubscription, Schema};
use micromall_kit::graphql::schema_builder;

use crate::service::Catalog;
pub use mutation::Mutation;
pub use query::Query;

pub type CatalogSchema = Schema<Query, Mutation, EmptySubscription>;

/// The schema with its data; `None` builds it bare (for printing the SDL).
pub fn build(catalog: Option<Arc<Catalog>>) -> CatalogSchema {
    let mut builder = schema_builder(Query, Mutation);
    if let Some(catalog) = catalog {
        builder = builder
            .data(batched(loaders::ProductLoader(catalog.clone())))
            .data(batched(loaders::VariantLoader(catalog.clone())))
            .data(batched(loaders::VariantsOfProduct(catalog.clone())))
            .data(batched(loaders::TagsOfProduct(catalog.clone())))
            .data(batched(loaders::ImagesOfProduct(catalog.clone())))
            .data(batched(loaders::CategoryLoader(catalog.clone())))
            .data(batched(loaders::ChildrenOfCategory(catalog.clone())))
            .data(batched(loaders::FirstProductsOfCategory(catalog.clone())))
            .data(catalog);
    }
    builder.finish()
}

fn batched<L: Send + Sync + 'static>(loader: L) -> DataLoader<L> {
    DataLoader::new(loader, tokio::spawn)
}
