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
        let db = catalog.db.clone();
        builder = builder
            .data(DataLoader::new(
                loaders::ProductLoader(db.clone()),
                tokio::spawn,
            ))
            .data(DataLoader::new(
                loaders::VariantLoader(db.clone()),
                tokio::spawn,
            ))
            .data(DataLoader::new(
                loaders::VariantsOfProduct(db.clone()),
                tokio::spawn,
            ))
            .data(DataLoader::new(
                loaders::TagsOfProduct(db.clone()),
                tokio::spawn,
            ))
            .data(DataLoader::new(
                loaders::ImagesOfProduct(db.clone()),
                tokio::spawn,
            ))
            .data(DataLoader::new(
                loaders::CategoryLoader(db.clone()),
                tokio::spawn,
            ))
            .data(DataLoader::new(
                loaders::ChildrenOfCategory(db),
                tokio::spawn,
            ))
            .data(DataLoader::new(
                loaders::FirstProductsOfCategory(catalog.clone()),
                tokio::spawn,
            ))
            .data(catalog);
    }
    builder.finish()
}
