//! Refunds: staff refunds (`refundPayment`) and the automatic ones payments makes when money
//! was taken for an order that no longer wants it. The amount is set aside atomically first
//! (never more than was captured, even under concurrent refunds), then the provider is
//! asked. If the provider refuses, the amount is given back. If its answer never comes (a
//! timeout, a dropped connection) it may still have made the refund: the refund stays
//! `PENDING` with its amount set aside, and is asked about again under the same refund id
//! (by a retry with the same idempotency key, a redelivered event, or the reconciler), which
//! the provider answers with the refund it made, so money goes back once.

use chrono::Utc;
use micromall_kit::contracts::payments as events;
use micromall_kit::db::begin_write;
use micromall_kit::idempotency::{self, Claim, KeyUse};
use micromall_kit::money::fits_currency;
use micromall_kit::{ApiError, ApiResult, UserError};
use rust_decimal::Decimal;
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QuerySelect, Set};
use serde::Serialize;
use uuid::Uuid;

use crate::entity::{payment, refund};
use crate::provider::ProviderError;
use crate::service::{Outcome, Payments, not_found, payment_by_id};
use crate::status::PaymentStatus;

const OPERATION: &str = "refund";
const MAX_REASON_LEN: usize = 400;

pub struct RefundRequest {
    pub payment_id: String,
    pub amount: Decimal,
    pub reason: Option<String>,
    pub idempotency_key: String,
}

#[derive(Serialize)]
struct Fingerprint<'a> {
    payment_id: &'a str,
    amount: String,
    reason: Option<&'a str>,
}

impl Payments {
    /// `refundPayment`, by staff holding `payments:refund`.
    pub async fn refund(
        &self,
        staff: Uuid,
        request: RefundRequest,
    ) -> ApiResult<Outcome<payment::Model>> {
        let key = KeyUse::new(
            staff,
            OPERATION,
            &request.idempotency_key,
            &Fingerprint {
                payment_id: &request.payment_id,
                amount: request.amount.normalize().to_string(),
                reason: request.reason.as_deref(),
            },
        )?;
        let reason = request
            .reason
            .map(|r| r.trim().to_owned())
            .filter(|r| !r.is_empty());
        if reason
            .as_ref()
            .is_some_and(|r| r.chars().count() > MAX_REASON_LEN)
        {
            return Err(ApiError::bad_input(format!(
                "`reason` has at most {MAX_REASON_LEN} characters"
            )));
        }
        let Ok(payment_id) = Uuid::parse_str(&request.payment_id) else {
            return Ok(Err(not_found(&["input", "paymentId"])));
        };
        match idempotency::claim(&self.db, &key).await? {
            Claim::Done(refund_id) => {
                let Some(refund) = refund::Entity::find_by_id(refund_id).one(&self.db).await?
                else {
                    return Err(ApiError::internal(anyhow::anyhow!(
                        "a refund key names a missing refund"
                    )));
                };
                return match refund.status.as_str() {
                    // The first attempt's outcome is unknown: ask again, same refund id.
                    PENDING => {
                        self.refund_payment(refund.payment_id, None, None, refund.id, None)
                            .await
                    }
                    FAILED => Ok(Err(refused("the payment provider refused the refund"))),
                    _ => payment_by_id(&self.db, refund.payment_id)
                        .await?
                        .map(Ok)
                        .ok_or_else(|| ApiError::internal(anyhow::anyhow!("payment vanished"))),
                };
            }
            Claim::Conflict => {
                return Ok(Err(vec![
                    UserError::new(
                        "IDEMPOTENCY_CONFLICT",
                        "this idempotency key was used for a different refund",
                    )
                    .at(&["input", "idempotencyKey"]),
                ]));
            }
            Claim::Fresh => {}
        }
        let outcome = self
            .refund_payment(
                payment_id,
                Some(request.amount),
                reason,
                Uuid::now_v7(),
                Some(&key),
            )
            .await;
        if !matches!(outcome, Ok(Ok(_))) {
            idempotency::forget(&self.db, &key).await;
        }
        outcome
    }

    /// Refunds `amount` (everything still held when `None`) of a payment. `refund_id` makes a
    /// repeat safe: a refund that succeeded is not made again, and one that failed or whose
    /// outcome is unknown is asked for again under the same id (the provider deduplicates by
    /// it). `key`, for staff refunds, names the refund from the moment it is recorded, so a
    /// retry with the key reaches the same refund whatever happened to the first attempt.
    pub async fn refund_payment(
        &self,
        payment_id: Uuid,
        amount: Option<Decimal>,
        reason: Option<String>,
        refund_id: Uuid,
        key: Option<&KeyUse<'_>>,
    ) -> ApiResult<Outcome<payment::Model>> {
        let Some(payment) = payment_by_id(&self.db, payment_id).await? else {
            return Ok(Err(not_found(&["input", "paymentId"])));
        };
        if amount.is_some_and(|a| a <= Decimal::ZERO || !fits_currency(a, &payment.currency)) {
            return Err(ApiError::bad_input(format!(
                "`amount` must be positive, in whole {} minor units",
                payment.currency
            )));
        }
        let existing = refund::Entity::find_by_id(refund_id).one(&self.db).await?;
        // 1. Set the amount aside (unless an interrupted attempt already did).
        let amount = match existing {
            Some(r) if r.status == SUCCEEDED => return Ok(Ok(payment)),
            Some(r) if r.status == PENDING => r.amount,
            earlier => {
                let txn = begin_write(&self.db).await?;
                let wanted = earlier.as_ref().map(|r| r.amount).or(amount);
                let amount = match set_aside(&txn, payment_id, wanted).await? {
                    SetAside::Fitted(amount) => amount,
                    SetAside::NotHeld(status) => {
                        return Ok(Err(vec![
                            UserError::new(
                                "INVALID_STATE",
                                format!("a payment that is {status} cannot be refunded"),
                            )
                            .at(&["input", "paymentId"]),
                        ]));
                    }
                    SetAside::Exceeds(left) => {
                        return Ok(Err(vec![
                            UserError::new(
                                "AMOUNT_EXCEEDS_CAPTURED",
                                format!(
                                    "at most {} {} can still be refunded",
                                    left.normalize(),
                                    payment.currency
                                ),
                            )
                            .at(&["input", "amount"]),
                        ]));
                    }
                };
                let now = Utc::now();
                if earlier.is_some() {
                    // Only one retry of a failed refund sets its amount aside again.
                    if !retry_failed(&txn, refund_id).await? {
                        txn.rollback().await?;
                        return Err(ApiError::internal(anyhow::anyhow!(
                            "refund {refund_id} is being retried by another request"
                        )));
                    }
                } else {
                    refund::Entity::insert(refund::ActiveModel {
                        id: Set(refund_id),
                        payment_id: Set(payment_id),
                        amount: Set(amount),
                        reason: Set(reason),
                        status: Set(PENDING.into()),
                        provider_reference: Set(None),
                        created_at: Set(now),
                        updated_at: Set(now),
                    })
                    .exec_without_returning(&txn)
                    .await?;
                }
                if let Some(key) = key {
                    idempotency::complete(&txn, key, refund_id).await?;
                }
                txn.commit().await?;
                amount
            }
        };

        // 2. Ask the provider; 3. record the outcome.
        let provider = self.provider(&payment.provider).cloned();
        let refunded = match (provider, payment.provider_reference.as_deref()) {
            (Some(provider), Some(charge)) => {
                provider
                    .refund(charge, amount, &payment.currency, refund_id)
                    .await
            }
            _ => Err(ProviderError::Refused(
                "the payment has no provider charge to refund".to_owned(),
            )),
        };
        let txn = begin_write(&self.db).await?;
        match refunded {
            Ok(reference) => {
                // Only the attempt that settles the refund tells orders: a concurrent one
                // (the reconciler, a retry) got the same answer and finds it settled.
                let settled = settle(&txn, refund_id, SUCCEEDED, Some(reference)).await?;
                let payment = payment_by_id(&txn, payment_id)
                    .await?
                    .ok_or_else(|| ApiError::internal(anyhow::anyhow!("payment vanished")))?;
                if settled {
                    let fully_refunded = refunded_so_far(&txn, payment_id).await? >= payment.amount;
                    self.outbox
                        .enqueue(
                            &txn,
                            events::REFUNDED,
                            &events::PaymentEvent {
                                payment_id,
                                order_id: payment.order_id,
                                amount,
                                currency: payment.currency.clone(),
                                fully_refunded,
                            },
                        )
                        .await?;
                }
                txn.commit().await?;
                self.outbox.wake();
                Ok(Ok(payment))
            }
            // Final: retrying would not change the provider's mind.
            Err(ProviderError::Refused(reason)) => {
                if settle(&txn, refund_id, FAILED, None).await? {
                    give_back(&txn, payment_id, amount).await?;
                }
                txn.commit().await?;
                Ok(Err(refused(&format!(
                    "the payment provider refused the refund: {reason}"
                ))))
            }
            // The provider may have made the refund: it stays pending, its amount set aside.
            Err(ProviderError::Unavailable(reason)) => {
                txn.rollback().await?;
                tracing::warn!(%payment_id, %refund_id, %reason, "refund outcome unknown; it stays pending and is asked again with the same refund id");
                Err(ApiError::internal(anyhow::anyhow!(
                    "refund {refund_id} of payment {payment_id} pending, provider did not answer: {reason}"
                )))
            }
        }
    }

    /// Refunds whose provider call ended without an answer, last tried before `before`: the
    /// reconciler asks the provider about them again.
    pub async fn unsettled_refunds(
        &self,
        before: chrono::DateTime<Utc>,
    ) -> Result<Vec<refund::Model>, DbErr> {
        refund::Entity::find()
            .filter(refund::Column::Status.eq(PENDING))
            .filter(refund::Column::UpdatedAt.lt(before))
            .all(&self.db)
            .await
    }
}

fn refused(message: &str) -> Vec<UserError> {
    vec![UserError::new("INVALID_STATE", message).at(&["input", "paymentId"])]
}

const PENDING: &str = "PENDING";
const SUCCEEDED: &str = "SUCCEEDED";
const FAILED: &str = "FAILED";

enum SetAside {
    Fitted(Decimal),
    /// Only this much is left to refund.
    Exceeds(Decimal),
    /// The payment holds no money (its status).
    NotHeld(String),
}

/// Counts `amount` (all that is left when `None`) as refunded if it stays within what was
/// captured, and sets the status to match. The row is locked (`FOR UPDATE` on PostgreSQL; the
/// write transaction on SQLite), so concurrent refunds never add up past the capture.
async fn set_aside(
    db: &impl ConnectionTrait,
    payment_id: Uuid,
    amount: Option<Decimal>,
) -> Result<SetAside, DbErr> {
    let Some(payment) = payment::Entity::find_by_id(payment_id)
        .lock_exclusive()
        .one(db)
        .await?
    else {
        return Ok(SetAside::NotHeld("missing".into()));
    };
    if !PaymentStatus::parse(&payment.status).is_some_and(PaymentStatus::holds_money) {
        return Ok(SetAside::NotHeld(payment.status));
    }
    let left = payment.amount - payment.refunded_amount;
    let amount = amount.unwrap_or(left);
    if amount > left || amount <= Decimal::ZERO {
        return Ok(SetAside::Exceeds(left));
    }
    update_refunded(db, &payment, payment.refunded_amount + amount).await?;
    Ok(SetAside::Fitted(amount))
}

/// Takes back an amount set aside for a refund the provider did not make.
async fn give_back(
    db: &impl ConnectionTrait,
    payment_id: Uuid,
    amount: Decimal,
) -> Result<(), DbErr> {
    if let Some(payment) = payment::Entity::find_by_id(payment_id)
        .lock_exclusive()
        .one(db)
        .await?
    {
        let refunded = (payment.refunded_amount - amount).max(Decimal::ZERO);
        update_refunded(db, &payment, refunded).await?;
    }
    Ok(())
}

async fn update_refunded(
    db: &impl ConnectionTrait,
    payment: &payment::Model,
    refunded: Decimal,
) -> Result<(), DbErr> {
    let status = if refunded >= payment.amount {
        PaymentStatus::Refunded
    } else if refunded > Decimal::ZERO {
        PaymentStatus::PartiallyRefunded
    } else {
        PaymentStatus::Captured
    };
    payment::Entity::update_many()
        .col_expr(payment::Column::RefundedAmount, Expr::value(refunded))
        .col_expr(payment::Column::Status, Expr::value(status.as_str()))
        .col_expr(payment::Column::UpdatedAt, Expr::value(Utc::now()))
        .filter(payment::Column::Id.eq(payment.id))
        .exec(db)
        .await?;
    Ok(())
}

/// What the provider has confirmed as refunded for a payment.
async fn refunded_so_far(db: &impl ConnectionTrait, payment_id: Uuid) -> Result<Decimal, DbErr> {
    Ok(refund::Entity::find()
        .filter(refund::Column::PaymentId.eq(payment_id))
        .filter(refund::Column::Status.eq(SUCCEEDED))
        .all(db)
        .await?
        .iter()
        .map(|r| r.amount)
        .sum())
}

/// Makes a failed refund pending again; false when another attempt already did.
async fn retry_failed(db: &impl ConnectionTrait, refund_id: Uuid) -> Result<bool, DbErr> {
    let moved = refund::Entity::update_many()
        .col_expr(refund::Column::Status, Expr::value(PENDING))
        .col_expr(refund::Column::UpdatedAt, Expr::value(Utc::now()))
        .filter(refund::Column::Id.eq(refund_id))
        .filter(refund::Column::Status.eq(FAILED))
        .exec(db)
        .await?;
    Ok(moved.rows_affected == 1)
}

/// Records the provider's answer on a pending refund; false when another attempt already did.
async fn settle(
    db: &impl ConnectionTrait,
    refund_id: Uuid,
    status: &str,
    reference: Option<String>,
) -> Result<bool, DbErr> {
    let settled = refund::Entity::update_many()
        .col_expr(refund::Column::Status, Expr::value(status))
        .col_expr(refund::Column::ProviderReference, Expr::value(reference))
        .col_expr(refund::Column::UpdatedAt, Expr::value(Utc::now()))
        .filter(refund::Column::Id.eq(refund_id))
        .filter(refund::Column::Status.eq(PENDING))
        .exec(db)
        .await?;
    Ok(settled.rows_affected == 1)
}
