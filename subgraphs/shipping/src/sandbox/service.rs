//! The pretend carrier. It keeps its parcels in memory (it is a sandbox), sells a label at
//! once, then scans the parcel every `scan_interval` and reports each scan to the merchant's
//! callback, signed, with retries — and, like real carriers, sometimes twice, late or out of
//! order. A label bought again for the same shipment is the same label.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use chrono::{DateTime, Utc};
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

use super::journey::{self, Quirks};
use super::signature::{self, ApiKey};
use super::wire::{
    CallbackBody, ErrorAnswer, LABEL, LABELS, LabelAnswer, LabelBody, ScanData, TRACKING_UPDATED,
};

/// How the carrier behaves.
#[derive(Debug, Clone, Copy)]
pub struct Behaviour {
    pub scan_interval: Duration,
    pub quirks: Quirks,
    /// False: labels are sold but scans never reported (tests that report scans themselves).
    pub reports_scans: bool,
}

const MAX_BODY: usize = 16 * 1024;
const DELIVERY_ATTEMPTS: u32 = 6;
/// Parcels kept in memory at most; the oldest are forgotten past it.
const MAX_PARCELS: usize = 100_000;

struct Parcel {
    tracking_number: String,
    country: String,
    weight_grams: i64,
    labelled_at: DateTime<Utc>,
}

struct Carrier {
    api_key: ApiKey,
    secret: Vec<u8>,
    behaviour: Behaviour,
    /// Parcels by the merchant's shipment id.
    parcels: Mutex<HashMap<Uuid, Parcel>>,
    http: reqwest::Client,
    public_url: String,
    shutdown: CancellationToken,
}

/// Serves the carrier until `shutdown`; labels link to `public_url`.
pub async fn serve(
    listener: TcpListener,
    secret: Vec<u8>,
    behaviour: Behaviour,
    shutdown: CancellationToken,
) -> std::io::Result<()> {
    let public_url = format!("http://{}", listener.local_addr()?);
    let carrier = Arc::new(Carrier {
        api_key: ApiKey::new(&secret),
        secret,
        behaviour,
        parcels: Mutex::default(),
        http: micromall_kit::http::outgoing_client(Duration::from_secs(5)),
        public_url,
        shutdown: shutdown.clone(),
    });
    let app = Router::new()
        .route(LABELS, post(buy_label))
        .route(LABEL, get(print_label))
        .layer(axum::extract::DefaultBodyLimit::max(MAX_BODY))
        .with_state(carrier);
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

impl Carrier {
    fn answer(&self, parcel: &Parcel) -> LabelAnswer {
        let steps = journey::scans(&parcel.country, false).len() as u32;
        LabelAnswer {
            tracking_number: parcel.tracking_number.clone(),
            label_url: format!("{}/v1/labels/{}", self.public_url, parcel.tracking_number),
            estimated_delivery: parcel.labelled_at
                + chrono::TimeDelta::from_std(self.behaviour.scan_interval * steps)
                    .unwrap_or_default(),
        }
    }
}

async fn buy_label(
    State(carrier): State<Arc<Carrier>>,
    headers: HeaderMap,
    body: Result<Json<LabelBody>, axum::extract::rejection::JsonRejection>,
) -> Response {
    if !carrier.api_key.admits(&headers) {
        return refuse(StatusCode::UNAUTHORIZED, "unauthorized", "bad API key");
    }
    let Ok(Json(body)) = body else {
        return refuse(
            StatusCode::BAD_REQUEST,
            "bad_request",
            "unreadable label request",
        );
    };
    if body.country.len() != 2 || !(0..=1_000_000_000).contains(&body.weight_grams) {
        return refuse(
            StatusCode::BAD_REQUEST,
            "bad_request",
            "bad country or weight",
        );
    }
    let mut parcels = carrier.parcels.lock().expect("parcels lock");
    if let Some(parcel) = parcels.get(&body.reference) {
        return (StatusCode::OK, Json(carrier.answer(parcel))).into_response();
    }
    if parcels.len() >= MAX_PARCELS {
        parcels.clear();
    }
    let parcel = Parcel {
        tracking_number: format!("SBX{}", Uuid::new_v4().simple().to_string().to_uppercase()),
        country: body.country.to_ascii_uppercase(),
        weight_grams: body.weight_grams,
        labelled_at: Utc::now(),
    };
    let answer = carrier.answer(&parcel);
    if carrier.behaviour.reports_scans {
        tokio::spawn(travel(
            carrier.clone(),
            body.reference,
            parcel.tracking_number.clone(),
            parcel.country.clone(),
            parcel.labelled_at,
            body.callback_url,
        ));
    }
    parcels.insert(body.reference, parcel);
    (StatusCode::CREATED, Json(answer)).into_response()
}

/// A label a person could print: plain text, enough to see what was bought.
async fn print_label(
    State(carrier): State<Arc<Carrier>>,
    Path(tracking_number): Path<String>,
) -> Response {
    let parcels = carrier.parcels.lock().expect("parcels lock");
    let Some(parcel) = parcels
        .values()
        .find(|p| p.tracking_number == tracking_number)
    else {
        return refuse(StatusCode::NOT_FOUND, "not_found", "no such label");
    };
    let text = format!(
        "SANDBOX CARRIER — not a real label\nTracking: {}\nTo: {}\nWeight: {} g\nLabelled: {}\n",
        parcel.tracking_number,
        parcel.country,
        parcel.weight_grams,
        parcel.labelled_at.to_rfc3339()
    );
    ([(header::CONTENT_TYPE, "text/plain; charset=utf-8")], text).into_response()
}

/// Scans the parcel from label to door and reports every scan as the carrier's quirks say.
async fn travel(
    carrier: Arc<Carrier>,
    reference: Uuid,
    tracking_number: String,
    country: String,
    labelled_at: DateTime<Utc>,
    callback_url: String,
) {
    let behaviour = carrier.behaviour;
    let (scans, reports) = {
        let mut rng = rand::rng();
        let exception = rand::Rng::random_bool(&mut rng, behaviour.quirks.exception_rate);
        let scans = journey::scans(&country, exception);
        let reports = journey::reports(&scans, behaviour.quirks, &mut rng);
        (scans, reports)
    };
    let interval = behaviour.scan_interval;
    // One event per scan: a repeat is the same event (same id) sent again, as carriers do.
    let bodies: Vec<Vec<u8>> = scans
        .iter()
        .map(|scan| {
            let occurred_at = labelled_at
                + chrono::TimeDelta::from_std(interval.mul_f64(f64::from(scan.step)))
                    .unwrap_or_default();
            let callback = CallbackBody {
                id: format!("evt_{}", Uuid::now_v7().simple()),
                kind: TRACKING_UPDATED.to_owned(),
                created: Utc::now().timestamp(),
                data: ScanData {
                    tracking_number: tracking_number.clone(),
                    reference,
                    status: scan.status.as_str().to_owned(),
                    description: scan.description.clone(),
                    location: scan.location.clone(),
                    occurred_at,
                },
            };
            serde_json::to_vec(&callback).expect("callbacks serialise")
        })
        .collect();
    let mut sent_until = 0.0;
    for (i, at) in reports {
        let body = &bodies[i];
        let wait = interval.mul_f64((at - sent_until).max(0.0));
        sent_until = at;
        let delivered = signature::deliver(
            &carrier.http,
            &callback_url,
            &carrier.secret,
            body,
            wait,
            DELIVERY_ATTEMPTS,
            &carrier.shutdown,
        )
        .await;
        if carrier.shutdown.is_cancelled() {
            return;
        }
        tracing::debug!(%tracking_number, status = scans[i].status.as_str(), delivered, "sandbox carrier scan reported");
    }
}
