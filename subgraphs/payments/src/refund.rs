//! Refunds: staff refunds (`refundPayment`) and the automatic ones payments makes when money
//! was taken for an order that no longer wants it. The amount is set aside atomically first
//! (never more than was captured, even under concurrent refunds), then the provider is
//! asked; if it fails the amount is given back.

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
                let refund = refund::Entity::find_by_id(refund_id).one(&self.db).await?;
                let payment = match refund {
                    Some(r) => payment_by_id(&self.db, r.payment_id).await?,
                    None => None,
                };
                return payment.map(Ok).ok_or_else(|| {
                    ApiError::internal(anyhow::anyhow!("a refund key names a missing refund"))
                });
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
    /// repeat harmless: a refund that exists already is not made again.
    pub async fn refund_payment(
        &self,
        payment_id: Uuid,
        amount: Option<Decimal>,
        reason: Option<String>,
        refund_id: Uuid,
        key: Option<&KeyUse<'_>>,
    ) -> ApiResult<Outcome<payment::Model>> {
        if refund::Entity::find_by_id(refund_id)
            .one(&self.db)
            .await?
            .is_some()
        {
            let payment = payment_by_id(&self.db, payment_id).await?;
            return Ok(payment.ok_or_else(|| not_found(&["input", "paymentId"])));
        }
        // 1. Set the amount aside.
        let txn = begin_write(&self.db).await?;
        let Some(payment) = payment_by_id(&txn, payment_id).await? else {
            return Ok(Err(not_found(&["input", "paymentId"])));
        };
        let status = PaymentStatus::parse(&payment.status);
        if !status.is_some_and(PaymentStatus::holds_money) {
            return Ok(Err(vec![
                UserError::new(
                    "INVALID_STATE",
                    format!("a payment that is {} cannot be refunded", payment.status),
                )
                .at(&["input", "paymentId"]),
            ]));
        }
        let amount = amount.unwrap_or(payment.amount - payment.refunded_amount);
        if amount <= Decimal::ZERO || !fits_currency(amount, &payment.currency) {
            return Ok(Err(vec![
                UserError::new(
                    "INVALID_AMOUNT",
                    format!(
                        "the amount must be positive, in whole {} minor units",
                        payment.currency
                    ),
                )
                .at(&["input", "amount"]),
            ]));
        }
        if !set_aside(&txn, payment_id, amount).await? {
            return Ok(Err(vec![
                UserError::new(
                    "AMOUNT_EXCEEDS_CAPTURED",
                    format!(
                        "at most {} {} can still be refunded",
                        (payment.amount - payment.refunded_amount).normalize(),
                        payment.currency
                    ),
                )
                .at(&["input", "amount"]),
            ]));
        }
        let now = Utc::now();
        refund::Entity::insert(refund::ActiveModel {
            id: Set(refund_id),
            payment_id: Set(payment_id),
            amount: Set(amount),
            reason: Set(reason),
            status: Set("PENDING".into()),
            provider_reference: Set(None),
            created_at: Set(now),
            updated_at: Set(now),
        })
        .exec_without_returning(&txn)
        .await?;
        txn.commit().await?;

        // 2. Ask the provider; 3. record the outcome.
        let provider = self.provider(&payment.provider).cloned();
        let refunded = match (provider, payment.provider_reference.as_deref()) {
            (Some(provider), Some(charge)) => provider
                .refund(charge, amount, &payment.currency, refund_id)
                .await
                .map_err(|e| e.to_string()),
            _ => Err("the payment has no provider charge to refund".to_owned()),
        };
        let txn = begin_write(&self.db).await?;
        match refunded {
            Ok(reference) => {
                mark_refund(&txn, refund_id, "SUCCEEDED", Some(reference)).await?;
                let payment = payment_by_id(&txn, payment_id)
                    .await?
                    .ok_or_else(|| ApiError::internal(anyhow::anyhow!("payment vanished")))?;
                if let Some(key) = key {
                    idempotency::complete(&txn, key, refund_id).await?;
                }
                self.outbox
                    .enqueue(
                        &txn,
                        events::REFUNDED,
                        &events::PaymentEvent {
                            payment_id,
                            order_id: payment.order_id,
                            amount,
                            currency: payment.currency.clone(),
                            fully_refunded: payment.status == PaymentStatus::Refunded.as_str(),
                        },
                    )
                    .await?;
                txn.commit().await?;
                self.outbox.wake();
                Ok(Ok(payment))
            }
            Err(reason) => {
                set_aside(&txn, payment_id, -amount).await?;
                mark_refund(&txn, refund_id, "FAILED", None).await?;
                txn.commit().await?;
                Err(ApiError::internal(anyhow::anyhow!(
                    "refund of payment {payment_id} failed at the provider: {reason}"
                )))
            }
        }
    }
}

/// Adds `amount` (negative to give it back) to what is refunded, if it stays within what was
/// captured, and sets the status to match. The row is locked (`FOR UPDATE` on PostgreSQL; the
/// write transaction on SQLite), so concurrent refunds never add up past the capture.
/// Returns whether it fitted.
async fn set_aside(
    db: &impl ConnectionTrait,
    payment_id: Uuid,
    amount: Decimal,
) -> Result<bool, DbErr> {
    let Some(payment) = payment::Entity::find_by_id(payment_id)
        .lock_exclusive()
        .one(db)
        .await?
    else {
        return Ok(false);
    };
    let held = PaymentStatus::parse(&payment.status)
        .is_some_and(|s| s.holds_money() || s == PaymentStatus::Refunded);
    let refunded = payment.refunded_amount + amount;
    if !held || refunded > payment.amount || refunded < Decimal::ZERO {
        return Ok(false);
    }
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
        .filter(payment::Column::Id.eq(payment_id))
        .exec(db)
        .await?;
    Ok(true)
}

async fn mark_refund(
    db: &impl ConnectionTrait,
    refund_id: Uuid,
    status: &str,
    reference: Option<String>,
) -> Result<(), DbErr> {
    refund::Entity::update_many()
        .col_expr(refund::Column::Status, Expr::value(status))
        .col_expr(refund::Column::ProviderReference, Expr::value(reference))
        .col_expr(refund::Column::UpdatedAt, Expr::value(Utc::now()))
        .filter(refund::Column::Id.eq(refund_id))
        .exec(db)
        .await?;
    Ok(())
}
