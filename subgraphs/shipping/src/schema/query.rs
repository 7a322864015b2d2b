use async_graphql::{Context, ID, Object, Result};
use micromall_kit::ApiError;
use micromall_kit::graphql::{authenticated, service, viewer};
use rust_decimal::Decimal;
use uuid::Uuid;

use super::types::{Order, Shipment, ShippingMethod, ShippingZone};
use crate::rules::FULFILMENT;
use crate::service::Shipping;

pub struct Query;

#[Object]
impl Query {
    /// A shipment by its tracking number: its customer's own, or any for fulfilment staff.
    #[graphql(directive = authenticated::apply())]
    async fn track_shipment(
        &self,
        ctx: &Context<'_>,
        tracking_number: String,
    ) -> Result<Option<Shipment>> {
        viewer(ctx).require_user()?;
        let shipment = service::<Shipping>(ctx)?
            .track(viewer(ctx), &tracking_number)
            .await
            .map_err(ApiError::from)?;
        Ok(shipment.map(Shipment))
    }

    /// The methods that deliver to `country` (ISO 3166-1 alpha-2), priced for an order of
    /// `subtotal` weighing `weightGrams` (weight-band prices need it; 0 when unknown),
    /// cheapest first.
    async fn shipping_methods(
        &self,
        ctx: &Context<'_>,
        country: String,
        subtotal: Decimal,
        #[graphql(default = 0)] weight_grams: i32,
    ) -> Result<Vec<ShippingMethod>> {
        if country.len() > 8 {
            return Ok(Vec::new());
        }
        let shipping = service::<Shipping>(ctx)?;
        let offers = shipping
            .offers(&country, subtotal, i64::from(weight_grams.max(0)))
            .await
            .map_err(ApiError::from)?;
        Ok(offers
            .into_iter()
            .map(|offer| ShippingMethod {
                offer,
                currency: shipping.currency().to_owned(),
            })
            .collect())
    }

    /// Every zone with its methods, active or not.
    #[graphql(requires_scopes = "fulfillment:write")]
    async fn shipping_zones(&self, ctx: &Context<'_>) -> Result<Vec<ShippingZone>> {
        viewer(ctx).require_scope(FULFILMENT)?;
        let zones = service::<Shipping>(ctx)?
            .zones()
            .await
            .map_err(ApiError::from)?;
        Ok(zones.into_iter().map(ShippingZone).collect())
    }

    #[graphql(entity)]
    async fn find_shipment_by_id(&self, ctx: &Context<'_>, id: ID) -> Result<Option<Shipment>> {
        let shipment = service::<Shipping>(ctx)?
            .shipment_seen_by(viewer(ctx), &id)
            .await
            .map_err(ApiError::from)?;
        Ok(shipment.map(Shipment))
    }

    /// Federation: orders, to resolve their shipments.
    #[graphql(entity)]
    async fn find_order_by_id(&self, id: ID) -> Option<Order> {
        Uuid::parse_str(&id).ok().map(|id| Order { id })
    }
}
