//! The pretend card processor. It keeps its books in memory (it is a sandbox), answers
//! charges at once with `pending`, and reports the outcome later by calling the merchant
//! back, signed, with retries — and, like real processors, sometimes twice or late. Like a
//! real processor it is idempotent: a charge repeated with the same merchant reference is
//! the same charge, a refund repeated with the same refund id is the same refund; and it
//! shows its own record of a charge (`GET /v1/charges/{id}`).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use rust_decimal::Decimal;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

use super::wire::{
    CHARGE, CHARGE_FAILED, CHARGE_SUCCEEDED, CHARGES, CallbackBody, CallbackData, ChargeAnswer,
    ChargeBody, ChargeRecord, ErrorAnswer, REFUNDS, RefundAnswer, RefundBody, RefundRecord,
};
use super::{TOKEN_DECLINE, TOKEN_OK, TOKEN_TIMEOUT, signature};

/// How unreliable the processor's callbacks are.
#[derive(Debug, Clone, Copy)]
pub struct Behaviour {
    /// Usual delay before the callback.
    pub delay: Duration,
    /// Share of callbacks delivered a second time.
    pub duplicate_rate: f64,
    /// Share of callbacks delivered late.
    pub late_rate: f64,
    pub late_delay: Duration,
}

impl Default for Behaviour {
    fn default() -> Self {
        Self {
            delay: Duration::from_millis(100),
            duplicate_rate: 0.25,
            late_rate: 0.1,
            late_delay: Duration::from_secs(2),
        }
    }
}

const MAX_BODY: usize = 64 * 1024;
const DELIVERY_ATTEMPTS: u32 = 6;

struct Charge {
    id: String,
    reference: Uuid,
    amount: Decimal,
    currency: String,
    refunded: Decimal,
    /// `None` for a charge that never calls back (`sandbox_timeout`).
    succeeded: Option<bool>,
    refunds: Vec<RefundRecord>,
}

struct Processor {
    api_key: signature::ApiKey,
    secret: Vec<u8>,
    behaviour: Behaviour,
    /// Charges by the merchant's reference (a repeat returns the same charge).
    charges: Mutex<HashMap<Uuid, Charge>>,
    refunds: Mutex<HashMap<Uuid, String>>,
    http: reqwest::Client,
    shutdown: CancellationToken,
}

/// Serves the processor until `shutdown`.
pub async fn serve(
    listener: TcpListener,
    secret: Vec<u8>,
    behaviour: Behaviour,
    shutdown: CancellationToken,
) -> std::io::Result<()> {
    let processor = Arc::new(Processor {
        api_key: signature::ApiKey::new(&secret),
        secret,
        behaviour,
        charges: Mutex::default(),
        refunds: Mutex::default(),
        http: micromall_kit::http::outgoing_client(Duration::from_secs(5)),
        shutdown: shutdown.clone(),
    });
    let app = Router::new()
        .route(CHARGES, post(charge))
        .route(CHARGE, get(charge_record))
        .route(REFUNDS, post(refund))
        .layer(axum::extract::DefaultBodyLimit::max(MAX_BODY))
        .with_state(processor);
    axum::serve(listener, app)
        .with_graceful_shutdown(async move { shutdown.cancelled().await })
        .await
}

fn refuse(status: StatusCode, code: &str, message: &str) -> Response {
    (
        status,
        Json(ErrorAnswer {
            code: code.to_owned(),
            message: message.to_owned(),
        }),
    )
        .into_response()
}

impl Processor {
    fn authorised(&self, headers: &HeaderMap) -> bool {
        self.api_key.admits(headers)
    }
}

async fn charge(
    State(processor): State<Arc<Processor>>,
    headers: HeaderMap,
    body: Result<Json<ChargeBody>, axum::extract::rejection::JsonRejection>,
) -> Response {
    if !processor.authorised(&headers) {
        return refuse(StatusCode::UNAUTHORIZED, "unauthorized", "bad API key");
    }
    let Ok(Json(body)) = body else {
        return refuse(StatusCode::BAD_REQUEST, "bad_request", "unreadable charge");
    };
    let succeeds = match body.payment_method.as_str() {
        TOKEN_OK => Some(true),
        TOKEN_DECLINE => Some(false),
        TOKEN_TIMEOUT => None,
        _ => {
            return refuse(
                StatusCode::PAYMENT_REQUIRED,
                "invalid_payment_method",
                "the payment method is not valid",
            );
        }
    };
    if body.amount <= Decimal::ZERO {
        return refuse(
            StatusCode::BAD_REQUEST,
            "invalid_amount",
            "amount must be positive",
        );
    }
    let (id, is_new) = {
        let mut charges = processor.charges.lock().expect("charges lock");
        match charges.get(&body.reference) {
            Some(existing) => (existing.id.clone(), false),
            None => {
                let id = format!("ch_{}", Uuid::now_v7().simple());
                charges.insert(
                    body.reference,
                    Charge {
                        id: id.clone(),
                        reference: body.reference,
                        amount: body.amount,
                        currency: body.currency.clone(),
                        refunded: Decimal::ZERO,
                        succeeded: succeeds,
                        refunds: Vec::new(),
                    },
                );
                (id, true)
            }
        }
    };
    if let (true, Some(succeeds)) = (is_new, succeeds) {
        let callback = CallbackBody {
            id: format!("evt_{}", Uuid::now_v7().simple()),
            kind: if succeeds {
                CHARGE_SUCCEEDED
            } else {
                CHARGE_FAILED
            }
            .to_owned(),
            created: chrono::Utc::now().timestamp(),
            data: CallbackData {
                charge: id.clone(),
                reference: body.reference,
                amount: body.amount,
                currency: body.currency,
                failure_reason: (!succeeds).then(|| "card declined".to_owned()),
            },
        };
        tokio::spawn(call_back(processor.clone(), body.callback_url, callback));
    }
    (
        StatusCode::CREATED,
        Json(ChargeAnswer {
            id,
            status: "pending".into(),
        }),
    )
        .into_response()
}

/// Delivers a callback like a real processor: after a delay (sometimes a long one), retried
/// until acknowledged, and sometimes once more after it was.
async fn call_back(processor: Arc<Processor>, url: String, callback: CallbackBody) {
    let behaviour = processor.behaviour;
    let late = rand::random::<f64>() < behaviour.late_rate;
    let duplicate = rand::random::<f64>() < behaviour.duplicate_rate;
    let mut delay = if late {
        behaviour.late_delay
    } else {
        behaviour.delay
    };
    let body = serde_json::to_vec(&callback).expect("callbacks serialise");
    for round in 0..if duplicate { 2 } else { 1 } {
        let delivered = signature::deliver(
            &processor.http,
            &url,
            &processor.secret,
            &body,
            delay,
            DELIVERY_ATTEMPTS,
            &processor.shutdown,
        )
        .await;
        tracing::debug!(event = %callback.id, round, delivered, "sandbox callback sent");
        delay = behaviour.delay * 3;
    }
}

async fn refund(
    State(processor): State<Arc<Processor>>,
    headers: HeaderMap,
    body: Result<Json<RefundBody>, axum::extract::rejection::JsonRejection>,
) -> Response {
    if !processor.authorised(&headers) {
        return refuse(StatusCode::UNAUTHORIZED, "unauthorized", "bad API key");
    }
    let Ok(Json(body)) = body else {
        return refuse(StatusCode::BAD_REQUEST, "bad_request", "unreadable refund");
    };
    let mut refunds = processor.refunds.lock().expect("refunds lock");
    if let Some(id) = refunds.get(&body.refund_id) {
        return Json(RefundAnswer {
            id: id.clone(),
            status: "succeeded".into(),
        })
        .into_response();
    }
    let mut charges = processor.charges.lock().expect("charges lock");
    // The sandbox forgets charges when it restarts; refunds of charges it no longer knows
    // are granted rather than stranding the merchant's money.
    let charge = charges.values_mut().find(|c| c.id == body.charge);
    if let Some(charge) = &charge {
        if charge.succeeded != Some(true) {
            return refuse(
                StatusCode::BAD_REQUEST,
                "not_captured",
                "the charge was not captured",
            );
        }
        if body.amount <= Decimal::ZERO || charge.refunded + body.amount > charge.amount {
            return refuse(
                StatusCode::BAD_REQUEST,
                "invalid_amount",
                "the refund exceeds what is left of the charge",
            );
        }
    }
    let id = format!("re_{}", Uuid::now_v7().simple());
    if let Some(charge) = charge {
        charge.refunded += body.amount;
        charge.refunds.push(RefundRecord {
            id: id.clone(),
            refund_id: body.refund_id,
            amount: body.amount,
        });
    }
    refunds.insert(body.refund_id, id.clone());
    Json(RefundAnswer {
        id,
        status: "succeeded".into(),
    })
    .into_response()
}

async fn charge_record(
    State(processor): State<Arc<Processor>>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    if !processor.authorised(&headers) {
        return refuse(StatusCode::UNAUTHORIZED, "unauthorized", "bad API key");
    }
    let charges = processor.charges.lock().expect("charges lock");
    let Some(charge) = charges.values().find(|c| c.id == id) else {
        return refuse(StatusCode::NOT_FOUND, "not_found", "no such charge");
    };
    Json(ChargeRecord {
        id: charge.id.clone(),
        reference: charge.reference,
        amount: charge.amount,
        currency: charge.currency.clone(),
        status: match charge.succeeded {
            Some(true) => "succeeded",
            Some(false) => "failed",
            None => "pending",
        }
        .to_owned(),
        refunded: charge.refunded,
        refunds: charge
            .refunds
            .iter()
            .map(|r| RefundRecord {
                id: r.id.clone(),
                refund_id: r.refund_id,
                amount: r.amount,
            })
            .collect(),
    })
    .into_response()
}
