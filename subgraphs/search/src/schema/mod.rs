//! The search GraphQL schema: translation between the API contract and the service.

mod query;
mod types;

use std::sync::Arc;

use async_graphql::{EmptyMutation, EmptySubscription, Schema};
use micromall_kit::graphql::schema_builder;

pub use query::Query;

use crate::service::Search;

pub type SearchSchema = Schema<Query, EmptyMutation, EmptySubscription>;

/// The schema with its data; `None` builds it bare (for printing the SDL).
pub fn build(search: Option<Arc<Search>>) -> SearchSchema {
    let mut builder = schema_builder(Query, EmptyMutation);
    if let Some(search) = search {
        builder = builder.data(search);
    }
    builder.finish()
}
