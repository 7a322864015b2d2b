//! Batch loading: the payments of many orders (a customer's order history) cost one query.

use std::collections::HashMap;

use async_graphql::dataloader::Loader;
use sea_orm::DatabaseConnection;
use uuid::Uuid;

use crate::entity::payment;
use crate::service::payments_of_orders;

pub struct PaymentsOfOrder(pub DatabaseConnection);

impl Loader<Uuid> for PaymentsOfOrder {
    type Value = Vec<payment::Model>;
    type Error = async_graphql::Error;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, Self::Error> {
        let mut out: HashMap<Uuid, Self::Value> = HashMap::new();
        for payment in payments_of_orders(&self.0, keys)
            .await
            .map_err(micromall_kit::ApiError::from)?
        {
            out.entry(payment.order_id).or_default().push(payment);
        }
        Ok(out)
    }
}
