//! Micromall's adapter for the sandbox processor.

use std::time::Duration;

use async_trait::async_trait;
use axum::http::HeaderMap;
use chrono::{DateTime, Utc};

use super::signature;
use super::wire::{self, CallbackBody};
use crate::provider::{
    Callback, CallbackError, ChargeOutcome, ChargeRequest, ChargeStarted, PaymentProvider,
    ProviderError, RefundRequest,
};

pub struct SandboxProvider {
    http: reqwest::Client,
    /// Where the processor's API is.
    base_url: String,
    /// Its API key, which also signs its callbacks.
    secret: Vec<u8>,
    /// Where it should call back (`POST /webhooks/payments/sandbox` of payments).
    callback_url: String,
}

impl SandboxProvider {
    /// `timeout` bounds each call; past it the call's outcome is unknown.
    pub fn new(base_url: String, secret: Vec<u8>, callback_url: String, timeout: Duration) -> Self {
        Self {
            http: micromall_kit::http::outgoing_client(timeout),
            base_url,
            secret,
            callback_url,
        }
    }

    fn api_key(&self) -> String {
        String::from_utf8_lossy(&self.secret).into_owned()
    }
}

fn unavailable(err: impl std::fmt::Display) -> ProviderError {
    ProviderError::Unavailable(err.to_string())
}

#[async_trait]
impl PaymentProvider for SandboxProvider {
    fn name(&self) -> &'static str {
        "sandbox"
    }

    async fn charge(&self, request: ChargeRequest) -> Result<ChargeStarted, ProviderError> {
        let response = self
            .http
            .post(format!("{}{}", self.base_url, wire::CHARGES))
            .bearer_auth(self.api_key())
            .json(&wire::ChargeBody {
                reference: request.payment_id,
                amount: request.amount,
                currency: request.currency,
                payment_method: request.payment_method_token,
                callback_url: self.callback_url.clone(),
            })
            .send()
            .await
            .map_err(unavailable)?;
        let status = response.status();
        if status.is_success() {
            let answer: wire::ChargeAnswer = response.json().await.map_err(unavailable)?;
            return Ok(ChargeStarted::Pending {
                reference: answer.id,
            });
        }
        if status == reqwest::StatusCode::PAYMENT_REQUIRED {
            let answer: wire::ErrorAnswer = response.json().await.map_err(unavailable)?;
            return Ok(ChargeStarted::Rejected {
                reason: answer.message,
            });
        }
        Err(unavailable(format!("the sandbox answered {status}")))
    }

    async fn refund(&self, request: RefundRequest) -> Result<String, ProviderError> {
        let response = self
            .http
            .post(format!("{}{}", self.base_url, wire::REFUNDS))
            .bearer_auth(self.api_key())
            .json(&wire::RefundBody {
                charge: request.charge_reference,
                amount: request.amount,
                currency: request.currency,
                refund_id: request.refund_id,
            })
            .send()
            .await
            .map_err(unavailable)?;
        let status = response.status();
        if status.is_success() {
            let answer: wire::RefundAnswer = response.json().await.map_err(unavailable)?;
            return Ok(answer.id);
        }
        if status.is_client_error() {
            let answer: wire::ErrorAnswer = response.json().await.map_err(unavailable)?;
            return Err(ProviderError::Refused(answer.message));
        }
        Err(unavailable(format!("the sandbox answered {status}")))
    }

    fn verify_callback(
        &self,
        headers: &HeaderMap,
        body: &[u8],
        now: DateTime<Utc>,
    ) -> Result<Callback, CallbackError> {
        let header = headers.get(signature::HEADER).and_then(|v| v.to_str().ok());
        signature::verify(&self.secret, header, body, now)?;
        let callback: CallbackBody =
            serde_json::from_slice(body).map_err(|_| CallbackError::BadBody)?;
        let outcome = match callback.kind.as_str() {
            wire::CHARGE_SUCCEEDED => ChargeOutcome::Captured,
            wire::CHARGE_FAILED => ChargeOutcome::Failed {
                reason: callback
                    .data
                    .failure_reason
                    .unwrap_or_else(|| "declined".into()),
            },
            _ => return Err(CallbackError::BadBody),
        };
        Ok(Callback {
            event_id: callback.id,
            charge_reference: callback.data.charge,
            payment_id: callback.data.reference,
            amount: callback.data.amount,
            currency: callback.data.currency,
            outcome,
        })
    }
}
