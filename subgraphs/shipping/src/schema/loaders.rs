//! Batch loading: the shipments of many orders, and the lines and timelines of many
//! shipments, each cost one query.

use std::collections::HashMap;
use std::sync::Arc;

use async_graphql::dataloader::Loader;
use micromall_kit::ApiError;
use uuid::Uuid;

use crate::entity::{shipment, shipment_line, tracking_event};
use crate::service::Shipping;

fn grouped<T>(rows: Vec<T>, key: impl Fn(&T) -> Uuid) -> HashMap<Uuid, Vec<T>> {
    let mut out: HashMap<Uuid, Vec<T>> = HashMap::new();
    for row in rows {
        out.entry(key(&row)).or_default().push(row);
    }
    out
}

pub struct ShipmentsOfOrder(pub Arc<Shipping>);

impl Loader<Uuid> for ShipmentsOfOrder {
    type Value = Vec<shipment::Model>;
    type Error = async_graphql::Error;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, Self::Error> {
        let rows = self
            .0
            .shipments_of_orders(keys)
            .await
            .map_err(ApiError::from)?;
        Ok(grouped(rows, |s| s.order_id))
    }
}

pub struct LinesOfShipment(pub Arc<Shipping>);

impl Loader<Uuid> for LinesOfShipment {
    type Value = Vec<shipment_line::Model>;
    type Error = async_graphql::Error;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, Self::Error> {
        let rows = self.0.lines_of(keys).await.map_err(ApiError::from)?;
        Ok(grouped(rows, |l| l.shipment_id))
    }
}

pub struct EventsOfShipment(pub Arc<Shipping>);

impl Loader<Uuid> for EventsOfShipment {
    type Value = Vec<tracking_event::Model>;
    type Error = async_graphql::Error;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, Self::Error> {
        let rows = self.0.events_of(keys).await.map_err(ApiError::from)?;
        Ok(grouped(rows, |e| e.shipment_id))
    }
}
