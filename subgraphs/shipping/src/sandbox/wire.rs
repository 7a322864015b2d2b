//! The sandbox carrier's HTTP API, as both sides read and write it.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

pub const LABELS: &str = "/v1/labels";
/// The printable label (public, like carriers' label links: the tracking number is the key).
pub const LABEL: &str = "/v1/labels/{tracking_number}";
pub const TRACKING_UPDATED: &str = "tracking.updated";

#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LabelBody {
    /// The merchant's shipment id; repeats return the same label.
    pub reference: Uuid,
    pub country: String,
    pub weight_grams: i64,
    pub callback_url: String,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LabelAnswer {
    pub tracking_number: String,
    pub label_url: String,
    pub estimated_delivery: DateTime<Utc>,
}

#[derive(Debug, Serialize, Deserialize)]
pub struct ErrorAnswer {
    pub code: String,
    pub message: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CallbackBody {
    pub id: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub created: i64,
    pub data: ScanData,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ScanData {
    pub tracking_number: String,
    pub reference: Uuid,
    /// A `ShipmentStatus` name, e.g. `IN_TRANSIT`.
    pub status: String,
    pub description: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<String>,
    pub occurred_at: DateTime<Utc>,
}
