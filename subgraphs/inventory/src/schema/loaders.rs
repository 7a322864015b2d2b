//! Batch loaders: the stock of a whole list of variants costs one query.

use std::collections::HashMap;
use std::sync::Arc;

use async_graphql::dataloader::Loader;
use micromall_kit::ApiError;
use uuid::Uuid;

use crate::service::Inventory;

/// What is available of each variant.
pub struct AvailableLoader(pub Arc<Inventory>);

impl Loader<Uuid> for AvailableLoader {
    type Value = i64;
    type Error = async_graphql::Error;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, Self::Error> {
        Ok(self.0.availability(keys).await.map_err(ApiError::from)?)
    }
}
