//! The cart GraphQL schema: translation between the API contract and the service.

mod mutation;
mod query;
mod types;

use std::sync::Arc;

use async_graphql::{EmptySubscription, Schema};
use micromall_kit::graphql::schema_builder;

use crate::service::Carts;
pub use mutation::Mutation;
pub use query::Query;

pub type CartSchema = Schema<Query, Mutation, EmptySubscription>;

/// The schema with its data; `None` builds it bare (for printing the SDL).
pub fn build(carts: Option<Arc<Carts>>) -> CartSchema {
    let mut builder = schema_builder(Query, Mutation);
    if let Some(carts) = carts {
        builder = builder.data(carts);
    }
    builder.finish()
}
