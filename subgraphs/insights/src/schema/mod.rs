//! The insights GraphQL schema: `insights(from:, to:)` for the back office.

mod query;

use std::sync::Arc;

use async_graphql::{EmptyMutation, EmptySubscription, Schema};
use micromall_kit::graphql::schema_builder;

use crate::service::Insights;
pub use query::Query;

pub type InsightsSchema = Schema<Query, EmptyMutation, EmptySubscription>;

/// The schema with its data; `None` builds it bare (for printing the SDL).
pub fn build(insights: Option<Arc<Insights>>) -> InsightsSchema {
    let mut builder = schema_builder(Query, EmptyMutation);
    if let Some(insights) = insights {
        builder = builder.data(insights);
    }
    builder.finish()
}
