use async_graphql::{Context, ID, Object, Result};
use micromall_kit::answer;
use micromall_kit::graphql::{service, viewer};

use super::types::{
    CreateShipmentInput, ShipmentPayload, ShippingMethodInput, ShippingZoneInput,
    ShippingZonePayload, TrackingEventInput,
};
use crate::rules::FULFILMENT;
use crate::rules::shipments::Asked;
use crate::service::{ManualScan, ShipRequest, Shipping};

pub struct Mutation;

#[Object]
impl Mutation {
    /// Ships the given lines of a paid or partly shipped order (all that remain when
    /// `lines` is absent): buys the carrier's label, and the order becomes
    /// `PARTIALLY_SHIPPED` or `SHIPPED`.
    #[graphql(requires_scopes = "fulfillment:write")]
    async fn create_shipment(
        &self,
        ctx: &Context<'_>,
        input: CreateShipmentInput,
    ) -> Result<ShipmentPayload> {
        viewer(ctx).require_scope(FULFILMENT)?;
        let request = ShipRequest {
            order_id: &input.order_id,
            carrier: &input.carrier,
            lines: input.lines.map(|lines| {
                lines
                    .into_iter()
                    .map(|l| Asked {
                        order_line_id: l.order_line_id.0,
                        quantity: l.quantity,
                    })
                    .collect()
            }),
        };
        answer(service::<Shipping>(ctx)?.create_shipment(request).await)
    }

    #[graphql(requires_scopes = "fulfillment:write")]
    async fn create_shipping_zone(
        &self,
        ctx: &Context<'_>,
        input: ShippingZoneInput,
    ) -> Result<ShippingZonePayload> {
        viewer(ctx).require_scope(FULFILMENT)?;
        answer(
            service::<Shipping>(ctx)?
                .create_zone(&input.name, &input.countries)
                .await,
        )
    }

    #[graphql(requires_scopes = "fulfillment:write")]
    async fn create_shipping_method(
        &self,
        ctx: &Context<'_>,
        input: ShippingMethodInput,
    ) -> Result<ShippingZonePayload> {
        viewer(ctx).require_scope(FULFILMENT)?;
        answer(
            service::<Shipping>(ctx)?
                .create_method(input.into_service())
                .await,
        )
    }

    #[graphql(requires_scopes = "fulfillment:write")]
    async fn update_shipping_method(
        &self,
        ctx: &Context<'_>,
        id: ID,
        input: ShippingMethodInput,
    ) -> Result<ShippingZonePayload> {
        viewer(ctx).require_scope(FULFILMENT)?;
        answer(
            service::<Shipping>(ctx)?
                .update_method(&id, input.into_service())
                .await,
        )
    }

    /// Records a scan by hand; it follows the same rules as a carrier's.
    #[graphql(requires_scopes = "fulfillment:write")]
    async fn add_tracking_event(
        &self,
        ctx: &Context<'_>,
        input: TrackingEventInput,
    ) -> Result<ShipmentPayload> {
        viewer(ctx).require_scope(FULFILMENT)?;
        let scan = ManualScan {
            shipment_id: &input.shipment_id,
            status: input.status,
            description: &input.description,
            location: input.location.as_deref(),
            occurred_at: input.occurred_at,
        };
        answer(service::<Shipping>(ctx)?.add_tracking_event(scan).await)
    }
}
