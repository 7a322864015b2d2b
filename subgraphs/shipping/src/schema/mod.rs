//! The shipping GraphQL schema: `Shipment`, `Order.shipment(s)`, zones, methods and rates,
//! `trackShipment`, and the fulfilment mutations.

mod loaders;
mod mutation;
mod query;
mod types;

use std::sync::Arc;

use async_graphql::dataloader::DataLoader;
use async_graphql::{EmptySubscription, Schema};
use micromall_kit::graphql::schema_builder;

use crate::service::Shipping;
pub use mutation::Mutation;
pub use query::Query;

pub type ShippingSchema = Schema<Query, Mutation, EmptySubscription>;

/// The schema with its data; `None` builds it bare (for printing the SDL).
pub fn build(shipping: Option<Arc<Shipping>>) -> ShippingSchema {
    let mut builder = schema_builder(Query, Mutation);
    if let Some(shipping) = shipping {
        builder = builder
            .data(DataLoader::new(
                loaders::ShipmentsOfOrder(shipping.clone()),
                tokio::spawn,
            ))
            .data(DataLoader::new(
                loaders::LinesOfShipment(shipping.clone()),
                tokio::spawn,
            ))
            .data(DataLoader::new(
                loaders::EventsOfShipment(shipping.clone()),
                tokio::spawn,
            ))
            .data(shipping);
    }
    builder.finish()
}
