//! Batch loading: the payments of many orders (a customer's order history) cost one query.

use std::collections::HashMap;
use std::sync::Arc;

use async_graphql::dataloader::Loader;
use micromall_kit::ApiError;
use uuid::Uuid;

use crate::entity::payment;
use crate::service::Payments;

pub struct PaymentsOfOrder(pub Arc<Payments>);

impl Loader<Uuid> for PaymentsOfOrder {
    type Value = Vec<payment::Model>;
    type Error = async_graphql::Error;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, Self::Error> {
        let mut out: HashMap<Uuid, Self::Value> = HashMap::new();
        for payment in self
            .0
            .payments_of_orders(keys)
            .await
            .map_err(ApiError::from)?
        {
            out.entry(payment.order_id).or_default().push(payment);
        }
        Ok(out)
    }
}
