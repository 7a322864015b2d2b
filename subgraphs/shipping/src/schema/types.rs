use async_graphql::dataloader::DataLoader;
use async_graphql::{Context, Enum, ID, InputObject, Object, Result, SimpleObject};
use chrono::{DateTime, Utc};
use micromall_kit::graphql::{service, viewer};
use micromall_kit::money::Money;
use rust_decimal::Decimal;
use uuid::Uuid;

use super::loaders::{EventsOfShipment, LinesOfShipment, ShipmentsOfOrder};
use crate::entity::{shipment, shipping_method};
use crate::rules::ShipmentStatus;
use crate::rules::rates::{self, Offer, RateKind};
use crate::service::{Shipping, ZoneView};

pub struct Shipment(pub shipment::Model);

#[Object]
impl Shipment {
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }

    async fn order(&self) -> Order {
        Order {
            id: self.0.order_id,
        }
    }

    async fn carrier(&self) -> &str {
        &self.0.carrier
    }

    async fn tracking_number(&self) -> &str {
        &self.0.tracking_number
    }

    async fn status(&self) -> ShipmentStatus {
        ShipmentStatus::parse(&self.0.status).unwrap_or(ShipmentStatus::LabelCreated)
    }

    /// What this parcel holds.
    async fn lines(&self, ctx: &Context<'_>) -> Result<Vec<ShipmentLine>> {
        let lines = ctx
            .data_unchecked::<DataLoader<LinesOfShipment>>()
            .load_one(self.0.id)
            .await?
            .unwrap_or_default();
        Ok(lines
            .into_iter()
            .map(|l| ShipmentLine {
                order_line_id: ID(l.order_line_id.to_string()),
                sku: l.sku,
                quantity: l.quantity,
            })
            .collect())
    }

    async fn label_url(&self) -> Option<&str> {
        self.0.label_url.as_deref()
    }

    /// Every scan, in the order they happened (carriers report some late).
    async fn events(&self, ctx: &Context<'_>) -> Result<Vec<TrackingEvent>> {
        let events = ctx
            .data_unchecked::<DataLoader<EventsOfShipment>>()
            .load_one(self.0.id)
            .await?
            .unwrap_or_default();
        Ok(events
            .into_iter()
            .map(|e| TrackingEvent {
                status: ShipmentStatus::parse(&e.status).unwrap_or(ShipmentStatus::InTransit),
                description: e.description,
                location: e.location,
                occurred_at: e.occurred_at,
            })
            .collect())
    }

    async fn estimated_delivery(&self) -> Option<DateTime<Utc>> {
        self.0.estimated_delivery
    }
}

#[derive(SimpleObject)]
pub struct ShipmentLine {
    pub order_line_id: ID,
    pub sku: String,
    pub quantity: i32,
}

#[derive(SimpleObject)]
pub struct TrackingEvent {
    pub status: ShipmentStatus,
    pub description: String,
    pub location: Option<String>,
    pub occurred_at: DateTime<Utc>,
}

/// Orders, to which shipping adds their shipments.
pub struct Order {
    pub id: Uuid,
}

impl Order {
    async fn visible_shipments(&self, ctx: &Context<'_>) -> Result<Vec<shipment::Model>> {
        let rows = ctx
            .data_unchecked::<DataLoader<ShipmentsOfOrder>>()
            .load_one(self.id)
            .await?
            .unwrap_or_default();
        Ok(Shipping::seen_by(viewer(ctx), rows))
    }
}

#[Object]
impl Order {
    async fn id(&self) -> ID {
        ID(self.id.to_string())
    }

    /// The latest shipment.
    async fn shipment(&self, ctx: &Context<'_>) -> Result<Option<Shipment>> {
        Ok(self.visible_shipments(ctx).await?.pop().map(Shipment))
    }

    /// Every shipment, oldest first.
    async fn shipments(&self, ctx: &Context<'_>) -> Result<Vec<Shipment>> {
        Ok(self
            .visible_shipments(ctx)
            .await?
            .into_iter()
            .map(Shipment)
            .collect())
    }
}

/// A method as a shopper chooses it: what it costs for their order.
pub struct ShippingMethod {
    pub offer: Offer,
    pub currency: String,
}

#[Object]
impl ShippingMethod {
    async fn id(&self) -> ID {
        ID(self.offer.method.id.to_string())
    }

    async fn name(&self) -> &str {
        &self.offer.method.name
    }

    async fn price(&self) -> Money {
        Money::new(self.offer.price, &self.currency)
    }

    async fn min_delivery_days(&self) -> i32 {
        self.offer.method.min_days
    }

    async fn max_delivery_days(&self) -> i32 {
        self.offer.method.max_days
    }
}

#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
#[graphql(remote = "RateKind")]
pub enum ShippingRateKind {
    Flat,
    FreeAbove,
    WeightBands,
}

pub struct ShippingZone(pub ZoneView);

#[Object]
impl ShippingZone {
    async fn id(&self) -> ID {
        ID(self.0.zone.id.to_string())
    }

    async fn name(&self) -> &str {
        &self.0.zone.name
    }

    /// ISO 3166-1 alpha-2 codes.
    async fn countries(&self) -> Vec<String> {
        self.0.countries()
    }

    async fn methods(&self, ctx: &Context<'_>) -> Result<Vec<ShippingMethodRule>> {
        let currency = service::<Shipping>(ctx)?.currency().to_owned();
        Ok(self
            .0
            .methods
            .iter()
            .map(|m| ShippingMethodRule {
                method: m.clone(),
                currency: currency.clone(),
            })
            .collect())
    }
}

/// A method as the admin defined it.
pub struct ShippingMethodRule {
    method: shipping_method::Model,
    currency: String,
}

#[Object]
impl ShippingMethodRule {
    async fn id(&self) -> ID {
        ID(self.method.id.to_string())
    }

    async fn name(&self) -> &str {
        &self.method.name
    }

    async fn kind(&self) -> ShippingRateKind {
        RateKind::parse(&self.method.kind)
            .unwrap_or(RateKind::Flat)
            .into()
    }

    /// FLAT: the price; FREE_ABOVE: the price below the threshold; WEIGHT_BANDS: the price of
    /// a parcel heavier than every band.
    async fn price(&self) -> Money {
        Money::new(self.method.price, &self.currency)
    }

    async fn free_above(&self) -> Option<Money> {
        self.method
            .free_above
            .map(|amount| Money::new(amount, &self.currency))
    }

    async fn weight_bands(&self) -> Vec<WeightBand> {
        crate::service::bands_of(&self.method)
            .into_iter()
            .map(|band| WeightBand {
                up_to_grams: band.up_to_grams,
                price: Money::new(band.price, &self.currency),
            })
            .collect()
    }

    async fn min_delivery_days(&self) -> i32 {
        self.method.min_delivery_days
    }

    async fn max_delivery_days(&self) -> i32 {
        self.method.max_delivery_days
    }

    async fn active(&self) -> bool {
        self.method.active
    }
}

#[derive(SimpleObject)]
pub struct WeightBand {
    pub up_to_grams: i32,
    pub price: Money,
}

#[derive(InputObject)]
pub struct WeightBandInput {
    pub up_to_grams: i32,
    pub price: Decimal,
}

#[derive(InputObject)]
pub struct ShippingZoneInput {
    pub name: String,
    /// ISO 3166-1 alpha-2.
    pub countries: Vec<String>,
}

#[derive(InputObject)]
pub struct ShippingMethodInput {
    pub zone_id: ID,
    pub name: String,
    pub kind: ShippingRateKind,
    pub price: Decimal,
    pub free_above: Option<Decimal>,
    pub weight_bands: Option<Vec<WeightBandInput>>,
    pub min_delivery_days: i32,
    pub max_delivery_days: i32,
    pub active: Option<bool>,
}

impl ShippingMethodInput {
    pub fn into_service(self) -> crate::service::MethodInput {
        crate::service::MethodInput {
            zone_id: self.zone_id.0,
            draft: rates::MethodDraft {
                name: self.name,
                kind: self.kind.into(),
                price: self.price,
                free_above: self.free_above,
                bands: self
                    .weight_bands
                    .unwrap_or_default()
                    .into_iter()
                    .map(|b| rates::WeightBand {
                        up_to_grams: b.up_to_grams,
                        price: b.price,
                    })
                    .collect(),
                min_days: self.min_delivery_days,
                max_days: self.max_delivery_days,
                active: self.active.unwrap_or(true),
            },
        }
    }
}

#[derive(InputObject)]
pub struct ShipmentLineInput {
    pub order_line_id: ID,
    pub quantity: i32,
}

#[derive(InputObject)]
pub struct CreateShipmentInput {
    pub order_id: ID,
    pub carrier: String,
    /// Absent: every line that remains.
    pub lines: Option<Vec<ShipmentLineInput>>,
}

#[derive(InputObject)]
pub struct TrackingEventInput {
    pub shipment_id: ID,
    pub status: ShipmentStatus,
    pub description: String,
    pub location: Option<String>,
    /// When it happened; now when absent.
    pub occurred_at: Option<DateTime<Utc>>,
}

// codes: NOT_FOUND, INVALID_COUNTRY, INVALID_PRICE, INVALID_RANGE, NAME_TAKEN, INVALID_NAME
// (a doc comment would change the published schema).
micromall_kit::payload!(ShippingZonePayload, zone: ShippingZone);
// codes: NOT_FOUND, INVALID_STATE, INVALID_QUANTITY, UNKNOWN_CARRIER, CARRIER_UNAVAILABLE,
// INVALID_TRACKING_EVENT
micromall_kit::payload!(ShipmentPayload, shipment: Shipment);

impl From<ZoneView> for ShippingZone {
    fn from(view: ZoneView) -> Self {
        ShippingZone(view)
    }
}

impl From<shipment::Model> for Shipment {
    fn from(model: shipment::Model) -> Self {
        Shipment(model)
    }
}
