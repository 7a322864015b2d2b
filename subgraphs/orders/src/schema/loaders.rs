//! Batch loaders: the lines and history of many orders cost one query each.

use std::collections::HashMap;

use async_graphql::dataloader::Loader;
use sea_orm::DatabaseConnection;
use uuid::Uuid;

use crate::entity::{order_line, transition};
use crate::store;

pub struct LinesOfOrder(pub DatabaseConnection);

impl Loader<Uuid> for LinesOfOrder {
    type Value = Vec<order_line::Model>;
    type Error = async_graphql::Error;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, Self::Error> {
        let mut out: HashMap<Uuid, Self::Value> = HashMap::new();
        for line in store::lines_of(&self.0, keys)
            .await
            .map_err(micromall_kit::ApiError::from)?
        {
            out.entry(line.order_id).or_default().push(line);
        }
        Ok(out)
    }
}

pub struct HistoryOfOrder(pub DatabaseConnection);

impl Loader<Uuid> for HistoryOfOrder {
    type Value = Vec<transition::Model>;
    type Error = async_graphql::Error;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, Self::Error> {
        let mut out: HashMap<Uuid, Self::Value> = HashMap::new();
        for step in store::transitions_of(&self.0, keys)
            .await
            .map_err(micromall_kit::ApiError::from)?
        {
            out.entry(step.order_id).or_default().push(step);
        }
        Ok(out)
    }
}

pub struct OrderLoader(pub DatabaseConnection);

impl Loader<Uuid> for OrderLoader {
    type Value = crate::entity::order::Model;
    type Error = async_graphql::Error;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, Self::Error> {
        Ok(store::orders_by_ids(&self.0, keys)
            .await
            .map_err(micromall_kit::ApiError::from)?
            .into_iter()
            .map(|o| (o.id, o))
            .collect())
    }
}
