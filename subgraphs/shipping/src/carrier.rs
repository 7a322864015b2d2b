//! Carriers: how Micromall talks to one. Each adapter buys labels over the carrier's API and
//! reads its signed tracking callbacks; only a verified callback moves a shipment.

use async_trait::async_trait;
use axum::http::HeaderMap;
use chrono::{DateTime, Utc};
use micromall_kit::webhook::SignatureError;
use uuid::Uuid;

use crate::rules::ShipmentStatus;

/// A label for one parcel.
pub struct LabelRequest {
    /// Our shipment id: the carrier dedups retries by it.
    pub shipment_id: Uuid,
    /// ISO 3166-1 alpha-2 of the destination.
    pub country: String,
    pub weight_grams: i64,
}

/// What the carrier issued.
pub struct Label {
    pub tracking_number: String,
    pub label_url: Option<String>,
    pub estimated_delivery: Option<DateTime<Utc>>,
}

#[derive(Debug, thiserror::Error)]
pub enum CarrierError {
    #[error("the carrier could not be reached: {0}")]
    Unavailable(String),
}

/// A verified tracking callback: one scan of one parcel.
#[derive(Debug, Clone, PartialEq)]
pub struct Scan {
    /// The carrier's event id, for deduplication.
    pub event_id: String,
    pub tracking_number: String,
    /// Our shipment id, when the carrier echoes it: a scan can arrive before the shipment
    /// that bought the label is confirmed.
    pub shipment_id: Option<Uuid>,
    pub status: ShipmentStatus,
    pub description: String,
    pub location: Option<String>,
    pub occurred_at: DateTime<Utc>,
}

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum CallbackError {
    #[error(transparent)]
    Signature(#[from] SignatureError),
    #[error("unreadable callback body")]
    BadBody,
}

#[async_trait]
pub trait Carrier: Send + Sync {
    fn name(&self) -> &'static str;

    /// Buys a label; repeating it for the same shipment returns the same label.
    async fn create_label(&self, request: LabelRequest) -> Result<Label, CarrierError>;

    /// Checks a callback's signature and age, then decodes it.
    fn verify_callback(
        &self,
        headers: &HeaderMap,
        body: &[u8],
        now: DateTime<Utc>,
    ) -> Result<Scan, CallbackError>;
}
