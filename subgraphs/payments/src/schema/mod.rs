//! The payments GraphQL schema: `Payment`, `Order.payments`, `payOrder`, `refundPayment`.

mod loaders;
mod mutation;
mod query;
mod types;

use std::sync::Arc;

use async_graphql::dataloader::DataLoader;
use async_graphql::{EmptySubscription, Schema};
use micromall_kit::graphql::schema_builder;

use crate::service::Payments;
pub use mutation::Mutation;
pub use query::Query;

pub type PaymentsSchema = Schema<Query, Mutation, EmptySubscription>;

/// The schema with its data; `None` builds it bare (for printing the SDL).
pub fn build(payments: Option<Arc<Payments>>) -> PaymentsSchema {
    let mut builder = schema_builder(Query, Mutation);
    if let Some(payments) = payments {
        builder = builder
            .data(DataLoader::new(
                loaders::PaymentsOfOrder(payments.clone()),
                tokio::spawn,
            ))
            .data(payments);
    }
    builder.finish()
}
