//! The orders GraphQL schema: translation between the API contract and the service.

mod loaders;
mod mutation;
mod query;
mod types;

use std::sync::Arc;

use async_graphql::dataloader::DataLoader;
use async_graphql::{EmptySubscription, Schema};
use micromall_kit::graphql::schema_builder;

use crate::service::Orders;
pub use mutation::Mutation;
pub use query::Query;

pub type OrdersSchema = Schema<Query, Mutation, EmptySubscription>;

/// The schema with its data; `None` builds it bare (for printing the SDL).
pub fn build(orders: Option<Arc<Orders>>) -> OrdersSchema {
    let mut builder = schema_builder(Query, Mutation);
    if let Some(orders) = orders {
        builder = builder
            .data(DataLoader::new(
                loaders::OrderLoader(orders.clone()),
                tokio::spawn,
            ))
            .data(DataLoader::new(
                loaders::LinesOfOrder(orders.clone()),
                tokio::spawn,
            ))
            .data(DataLoader::new(
                loaders::HistoryOfOrder(orders.clone()),
                tokio::spawn,
            ))
            .data(orders);
    }
    builder.finish()
}
