//! The sandbox processor's HTTP API, as both sides read and write it.

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

pub const CHARGES: &str = "/v1/charges";
/// One charge as the processor keeps it (`GET`), with the refunds made of it.
pub const CHARGE: &str = "/v1/charges/{id}";
pub const REFUNDS: &str = "/v1/refunds";
pub const CHARGE_SUCCEEDED: &str = "charge.succeeded";
pub const CHARGE_FAILED: &str = "charge.failed";

#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ChargeBody {
    /// The merchant's id for the payment, echoed in callbacks; repeats return the same charge.
    pub reference: Uuid,
    pub amount: Decimal,
    pub currency: String,
    pub payment_method: String,
    pub callback_url: String,
}

#[derive(Debug, Serialize, Deserialize)]
pub struct ChargeAnswer {
    pub id: String,
    pub status: String,
}

#[derive(Debug, Serialize, Deserialize)]
pub struct ErrorAnswer {
    pub code: String,
    pub message: String,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RefundBody {
    pub charge: String,
    pub amount: Decimal,
    pub currency: String,
    /// Repeats with the same id are answered with the first refund.
    pub refund_id: Uuid,
}

#[derive(Debug, Serialize, Deserialize)]
pub struct RefundAnswer {
    pub id: String,
    pub status: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CallbackBody {
    pub id: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub created: i64,
    pub data: CallbackData,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CallbackData {
    pub charge: String,
    pub reference: Uuid,
    pub amount: Decimal,
    pub currency: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub failure_reason: Option<String>,
}

/// The processor's own record of a charge.
#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ChargeRecord {
    pub id: String,
    pub reference: Uuid,
    pub amount: Decimal,
    pub currency: String,
    /// `succeeded`, `failed` or `pending` (never decided).
    pub status: String,
    pub refunded: Decimal,
    pub refunds: Vec<RefundRecord>,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RefundRecord {
    pub id: String,
    pub refund_id: Uuid,
    pub amount: Decimal,
}
