//! Micromall's adapter for the sandbox carrier.

use std::time::Duration;

use async_trait::async_trait;
use axum::http::HeaderMap;
use chrono::{DateTime, Utc};

use super::signature;
use super::wire::{self, CallbackBody};
use crate::carrier::{CallbackError, Carrier, CarrierError, Label, LabelRequest, Scan};
use crate::rules::ShipmentStatus;

/// The longest description or location kept from a carrier's scan.
const MAX_TEXT: usize = 200;

pub struct SandboxCarrier {
    http: reqwest::Client,
    /// Where the carrier's API is.
    base_url: String,
    /// Its API key, which also signs its callbacks.
    secret: Vec<u8>,
    /// Where it should call back (`POST /webhooks/carriers/sandbox` of shipping).
    callback_url: String,
}

impl SandboxCarrier {
    /// `timeout` bounds each call.
    pub fn new(base_url: String, secret: Vec<u8>, callback_url: String, timeout: Duration) -> Self {
        Self {
            http: micromall_kit::http::outgoing_client(timeout),
            base_url,
            secret,
            callback_url,
        }
    }
}

fn unavailable(err: impl std::fmt::Display) -> CarrierError {
    CarrierError::Unavailable(err.to_string())
}

fn bounded(text: String) -> String {
    text.chars()
        .filter(|c| !c.is_control())
        .take(MAX_TEXT)
        .collect()
}

#[async_trait]
impl Carrier for SandboxCarrier {
    fn name(&self) -> &'static str {
        "sandbox"
    }

    async fn create_label(&self, request: LabelRequest) -> Result<Label, CarrierError> {
        let response = self
            .http
            .post(format!("{}{}", self.base_url, wire::LABELS))
            .bearer_auth(String::from_utf8_lossy(&self.secret))
            .json(&wire::LabelBody {
                reference: request.shipment_id,
                country: request.country,
                weight_grams: request.weight_grams,
                callback_url: self.callback_url.clone(),
            })
            .send()
            .await
            .map_err(unavailable)?;
        let status = response.status();
        if !status.is_success() {
            return Err(unavailable(format!("the carrier answered {status}")));
        }
        let answer: wire::LabelAnswer = response.json().await.map_err(unavailable)?;
        Ok(Label {
            tracking_number: answer.tracking_number,
            label_url: Some(answer.label_url),
            estimated_delivery: Some(answer.estimated_delivery),
        })
    }

    fn verify_callback(
        &self,
        headers: &HeaderMap,
        body: &[u8],
        now: DateTime<Utc>,
    ) -> Result<Scan, CallbackError> {
        let header = headers.get(signature::HEADER).and_then(|v| v.to_str().ok());
        signature::verify(&self.secret, header, body, now)?;
        let callback: CallbackBody =
            serde_json::from_slice(body).map_err(|_| CallbackError::BadBody)?;
        if callback.kind != wire::TRACKING_UPDATED
            || callback.id.is_empty()
            || callback.id.len() > 200
            || callback.data.tracking_number.len() > 64
        {
            return Err(CallbackError::BadBody);
        }
        let status = ShipmentStatus::parse(&callback.data.status).ok_or(CallbackError::BadBody)?;
        Ok(Scan {
            event_id: callback.id,
            tracking_number: callback.data.tracking_number,
            shipment_id: Some(callback.data.reference),
            status,
            description: bounded(callback.data.description),
            location: callback.data.location.map(bounded),
            occurred_at: callback.data.occurred_at,
        })
    }
}
