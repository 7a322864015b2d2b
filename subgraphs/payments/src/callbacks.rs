//! `POST /webhooks/payments/<provider>`: the only way a payment's outcome is decided.
//!
//! A callback must carry a valid signature made within the last five minutes; each of the
//! provider's event ids is applied once (a repeat is acknowledged and changes nothing), and
//! the payment's change and the event telling orders commit together.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use chrono::Utc;
use micromall_kit::contracts::payments as events;
use micromall_kit::db::{begin_write, is_unique_violation};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, DbErr, EntityTrait, QueryFilter, QuerySelect, Set};
use serde_json::json;

use crate::entity::{payment, provider_event};
use crate::provider::{Callback, CallbackError, ChargeOutcome};
use crate::service::Payments;
use crate::status::PaymentStatus;

const MAX_BODY: usize = 64 * 1024;

pub fn routes(payments: Arc<Payments>) -> Router {
    Router::new()
        .route("/webhooks/payments/{provider}", post(receive))
        .layer(DefaultBodyLimit::max(MAX_BODY))
        .with_state(payments)
}

/// What became of a callback.
#[derive(Debug, PartialEq, Eq)]
pub enum Applied {
    Changed,
    Duplicate,
    /// Genuine but not applicable (unknown payment, already final).
    Ignored,
    /// Genuine, but about a different charge than the payment's (amount, currency, provider
    /// or charge reference differ): refused and not recorded, so it is never taken for
    /// the payment's outcome.
    Mismatched,
}

fn answer(status: StatusCode, message: &str) -> Response {
    (status, Json(json!({ "error": message }))).into_response()
}

async fn receive(
    State(payments): State<Arc<Payments>>,
    Path(provider): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let Some(adapter) = payments.provider(&provider).cloned() else {
        return answer(StatusCode::NOT_FOUND, "unknown provider");
    };
    let callback = match adapter.verify_callback(&headers, &body, Utc::now()) {
        Ok(callback) => callback,
        Err(err) => {
            tracing::warn!(provider = %provider, error = %err, "payment callback refused");
            let status = match err {
                CallbackError::BadSignature => StatusCode::UNAUTHORIZED,
                CallbackError::Stale | CallbackError::BadBody => StatusCode::BAD_REQUEST,
            };
            return answer(status, &err.to_string());
        }
    };
    match payments.apply_callback(adapter.name(), &callback).await {
        Ok(Applied::Mismatched) => answer(
            StatusCode::UNPROCESSABLE_ENTITY,
            "the callback does not match the payment's charge",
        ),
        Ok(applied) => {
            tracing::info!(provider = %provider, event = %callback.event_id, ?applied, "payment callback");
            Json(json!({ "received": true })).into_response()
        }
        Err(err) => {
            // The provider retries on failure.
            tracing::error!(provider = %provider, error = %err, "payment callback not applied");
            answer(
                StatusCode::INTERNAL_SERVER_ERROR,
                "not applied; retry later",
            )
        }
    }
}

impl Payments {
    pub async fn apply_callback(
        &self,
        provider: &str,
        callback: &Callback,
    ) -> Result<Applied, DbErr> {
        let txn = begin_write(&self.db).await?;
        let first_time = provider_event::Entity::insert(provider_event::ActiveModel {
            provider: Set(provider.to_owned()),
            event_id: Set(callback.event_id.chars().take(200).collect()),
            received_at: Set(Utc::now()),
        })
        .exec_without_returning(&txn)
        .await;
        match first_time {
            Ok(_) => {}
            Err(err) if is_unique_violation(&err) => return Ok(Applied::Duplicate),
            Err(err) => return Err(err),
        }
        // Locked, so a concurrent cancellation of the order's payments waits for this change
        // (or this one sees it).
        let payment = payment::Entity::find_by_id(callback.payment_id)
            .lock_exclusive()
            .one(&txn)
            .await?;
        let Some(payment) = payment else {
            tracing::warn!(payment_id = %callback.payment_id, "callback for an unknown payment");
            txn.commit().await?;
            return Ok(Applied::Ignored);
        };
        let matches_charge = payment.provider == provider
            && payment.amount == callback.amount
            && payment.currency == callback.currency
            && payment
                .provider_reference
                .as_deref()
                .is_none_or(|r| r == callback.charge_reference);
        if !matches_charge {
            tracing::warn!(
                payment_id = %payment.id,
                event = %callback.event_id,
                expected_amount = %payment.amount,
                expected_currency = %payment.currency,
                amount = %callback.amount,
                currency = %callback.currency.chars().take(8).collect::<String>(),
                "payment callback refused: it does not match the payment's charge"
            );
            txn.rollback().await?;
            return Ok(Applied::Mismatched);
        }
        let status = PaymentStatus::parse(&payment.status);
        // A cancelled payment can still be captured (the processor took the money after the
        // order was cancelled): it is recorded, and refunded by the captured-event consumer.
        let next = match (&callback.outcome, status) {
            (ChargeOutcome::Captured, Some(PaymentStatus::Pending | PaymentStatus::Cancelled)) => {
                PaymentStatus::Captured
            }
            (ChargeOutcome::Failed { .. }, Some(PaymentStatus::Pending)) => PaymentStatus::Failed,
            _ => {
                txn.commit().await?;
                return Ok(Applied::Ignored);
            }
        };
        let mut update = payment::Entity::update_many()
            .col_expr(payment::Column::Status, Expr::value(next.as_str()))
            .col_expr(
                payment::Column::ProviderReference,
                Expr::value(callback.charge_reference.clone()),
            )
            .col_expr(payment::Column::UpdatedAt, Expr::value(Utc::now()))
            .filter(payment::Column::Id.eq(payment.id))
            .filter(payment::Column::Status.eq(payment.status.clone()));
        if let ChargeOutcome::Failed { reason } = &callback.outcome {
            update = update.col_expr(
                payment::Column::FailureReason,
                Expr::value(reason.chars().take(400).collect::<String>()),
            );
        }
        update.exec(&txn).await?;
        if next == PaymentStatus::Captured {
            self.outbox
                .enqueue(
                    &txn,
                    events::CAPTURED,
                    &events::PaymentEvent {
                        payment_id: payment.id,
                        order_id: payment.order_id,
                        amount: payment.amount,
                        currency: payment.currency.clone(),
                        fully_refunded: false,
                    },
                )
                .await?;
        }
        txn.commit().await?;
        self.outbox.wake();
        Ok(Applied::Changed)
    }
}
