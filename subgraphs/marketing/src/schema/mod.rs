//! The marketing GraphQL schema: translation between the API contract and the service.

mod home;
mod mutation;
mod query;
mod types;

use std::sync::Arc;

use async_graphql::{EmptySubscription, Schema};
use micromall_kit::graphql::schema_builder;

use crate::service::Marketing;
pub use mutation::Mutation;
pub use query::Query;

pub type MarketingSchema = Schema<Query, Mutation, EmptySubscription>;

/// The schema with its data; `None` builds it bare (for printing the SDL).
pub fn build(marketing: Option<Arc<Marketing>>) -> MarketingSchema {
    let mut builder = schema_builder(Query, Mutation);
    if let Some(marketing) = marketing {
        builder = builder.data(marketing);
    }
    builder.finish()
}
