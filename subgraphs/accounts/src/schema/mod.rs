//! The accounts GraphQL schema: translation between the API contract and the service.

mod loaders;
mod mutation;
mod query;
mod types;

use std::sync::Arc;

use async_graphql::dataloader::DataLoader;
use async_graphql::{EmptySubscription, Schema};
use micromall_kit::graphql::schema_builder;

use crate::service::Accounts;
pub use loaders::{RolesLoader, UserLoader};
pub use mutation::Mutation;
pub use query::Query;

pub type AccountsSchema = Schema<Query, Mutation, EmptySubscription>;

/// The schema with its data; `None` builds it bare (for printing the SDL).
pub fn build(accounts: Option<Arc<Accounts>>) -> AccountsSchema {
    let mut builder = schema_builder(Query, Mutation);
    if let Some(accounts) = accounts {
        builder = builder
            .data(DataLoader::new(
                UserLoader(accounts.db.clone()),
                tokio::spawn,
            ))
            .data(DataLoader::new(
                RolesLoader(accounts.db.clone()),
                tokio::spawn,
            ))
            .data(accounts);
    }
    builder.finish()
}
