//! Batch loaders: the ratings of a whole list of products cost one query.

use std::collections::HashMap;
use std::sync::Arc;

use async_graphql::dataloader::Loader;
use micromall_kit::ApiError;
use uuid::Uuid;

use crate::rules::Tally;
use crate::service::Reviews;

/// Each product's rating totals (absent: never reviewed).
pub struct RatingLoader(pub Arc<Reviews>);

impl Loader<Uuid> for RatingLoader {
    type Value = Tally;
    type Error = async_graphql::Error;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Tally>, Self::Error> {
        Ok(self.0.tallies(keys).await.map_err(ApiError::from)?)
    }
}
