//! Batch loaders: the orders, lines and history of many orders cost one query each.

use std::collections::HashMap;
use std::sync::Arc;

use async_graphql::dataloader::Loader;
use micromall_kit::ApiError;
use uuid::Uuid;

use crate::entity::{order, order_line, transition};
use crate::service::Orders;

pub struct OrderLoader(pub Arc<Orders>);

impl Loader<Uuid> for OrderLoader {
    type Value = order::Model;
    type Error = async_graphql::Error;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, Self::Error> {
        Ok(self.0.orders_by_ids(keys).await.map_err(ApiError::from)?)
    }
}

pub struct LinesOfOrder(pub Arc<Orders>);

impl Loader<Uuid> for LinesOfOrder {
    type Value = Vec<order_line::Model>;
    type Error = async_graphql::Error;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, Self::Error> {
        Ok(self.0.lines_of(keys).await.map_err(ApiError::from)?)
    }
}

pub struct HistoryOfOrder(pub Arc<Orders>);

impl Loader<Uuid> for HistoryOfOrder {
    type Value = Vec<transition::Model>;
    type Error = async_graphql::Error;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, Self::Error> {
        Ok(self.0.history_of(keys).await.map_err(ApiError::from)?)
    }
}
