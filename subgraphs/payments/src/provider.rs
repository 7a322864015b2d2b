//! Payment providers: how Micromall talks to a processor. Each adapter starts charges and
//! refunds over the processor's API and reads its signed callbacks; only a verified callback
//! decides whether a charge succeeded.

use async_trait::async_trait;
use axum::http::HeaderMap;
use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use uuid::Uuid;

pub struct ChargeRequest {
    /// Our payment id: the processor echoes it in callbacks and dedups retries by it.
    pub payment_id: Uuid,
    pub amount: Decimal,
    pub currency: String,
    /// What the customer's client got from the processor (a card token, say).
    pub payment_method_token: String,
}

/// A refund of part or all of a captured charge.
pub struct RefundRequest {
    /// The processor's id of the charge.
    pub charge_reference: String,
    pub amount: Decimal,
    pub currency: String,
    /// Our refund id: the processor dedups retries by it.
    pub refund_id: Uuid,
}

/// What a processor said when asked to charge.
pub enum ChargeStarted {
    /// Accepted; the outcome follows in a callback.
    Pending { reference: String },
    /// Refused outright (an unusable payment method).
    Rejected { reason: String },
}

#[derive(Debug, thiserror::Error)]
pub enum ProviderError {
    #[error("the payment provider could not be reached: {0}")]
    Unavailable(String),
    #[error("the payment provider refused: {0}")]
    Refused(String),
}

/// A verified callback.
#[derive(Debug, Clone, PartialEq)]
pub struct Callback {
    /// The processor's event id, for deduplication.
    pub event_id: String,
    pub charge_reference: String,
    pub payment_id: Uuid,
    pub amount: Decimal,
    /// ISO 4217, as the processor states it: compared with the payment's like the amount.
    pub currency: String,
    pub outcome: ChargeOutcome,
}

#[derive(Debug, Clone, PartialEq)]
pub enum ChargeOutcome {
    Captured,
    Failed { reason: String },
}

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum CallbackError {
    #[error("missing or malformed signature")]
    BadSignature,
    #[error("signature timestamp outside the tolerance")]
    Stale,
    #[error("unreadable callback body")]
    BadBody,
}

impl From<micromall_kit::webhook::SignatureError> for CallbackError {
    fn from(err: micromall_kit::webhook::SignatureError) -> Self {
        match err {
            micromall_kit::webhook::SignatureError::BadSignature => CallbackError::BadSignature,
            micromall_kit::webhook::SignatureError::Stale => CallbackError::Stale,
        }
    }
}

#[async_trait]
pub trait PaymentProvider: Send + Sync {
    fn name(&self) -> &'static str;

    async fn charge(&self, request: ChargeRequest) -> Result<ChargeStarted, ProviderError>;

    /// Refunds part or all of a captured charge; its `refund_id` makes retries safe.
    async fn refund(&self, request: RefundRequest) -> Result<String, ProviderError>;

    /// Checks a callback's signature and age, then decodes it.
    fn verify_callback(
        &self,
        headers: &HeaderMap,
        body: &[u8],
        now: DateTime<Utc>,
    ) -> Result<Callback, CallbackError>;
}
