//! Refunds: staff refunds (`refundPayment`), and the steps every refund goes through (staff
//! ones, the automatic ones in `money_back`, the reconciler's). The amount is set aside
//! atomically first (never more than was captured, even under concurrent refunds), then the
//! provider is asked. If the provider refuses, the amount is given back. If its answer never
//! comes (a timeout, a dropped connection) it may still have made the refund: the refund
//! stays `PENDING` with its amount set aside, and is asked about again under the same refund
//! id (by a retry with the same idempotency key, a redelivered event, or the reconciler),
//! which the provider answers with the refund it made, so money goes back once.

use chrono::Utc;
use micromall_kit::db::begin_write;
use micromall_kit::idempotency::{self, KeyUse};
use micromall_kit::money::fits_currency;
use micromall_kit::outcome::Verdict;
use micromall_kit::{ApiError, ApiResult, DomainError, refuse};
use rust_decimal::Decimal;
use sea_orm::{ConnectionTrait, DbErr};
use serde::{Serialize, Serializer};
use uuid::Uuid;

use super::{Payments, existing_payment};
use crate::entity::{payment, refund};
use crate::events;
use crate::provider::{ProviderError, RefundRequest as ProviderRefund};
use crate::refusal::Refusal;
use crate::rules::{self, MAX_REASON_LEN};
use crate::status::RefundStatus;
use crate::store;

const OPERATION: &str = "refund";

/// What `refundPayment` asks for, which is also what its idempotency key fingerprints.
#[derive(Serialize)]
pub struct RefundRequest<'a> {
    pub payment_id: &'a str,
    /// Fingerprinted without trailing zeros: 10 and 10.00 are the same refund.
    #[serde(serialize_with = "normalized")]
    pub amount: Decimal,
    pub reason: Option<&'a str>,
}

fn normalized<S: Serializer>(amount: &Decimal, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(&amount.normalize().to_string())
}

/// A refund to set aside money for: its id, how much (all that is left when `None`) and why.
struct Wanted {
    id: Uuid,
    amount: Option<Decimal>,
    reason: Option<String>,
}

impl Payments {
    /// `refundPayment`, by staff holding `payments:refund`.
    pub async fn refund(
        &self,
        staff: Uuid,
        idempotency_key: &str,
        request: RefundRequest<'_>,
    ) -> Result<payment::Model, DomainError<Refusal>> {
        let key = KeyUse::new(staff, OPERATION, idempotency_key, &request)?;
        let reason = rules::clean_reason(request.reason);
        if reason
            .as_ref()
            .is_some_and(|r| r.chars().count() > MAX_REASON_LEN)
        {
            return Err(ApiError::bad_input(format!(
                "`reason` has at most {MAX_REASON_LEN} characters"
            ))
            .into());
        }
        let Ok(payment_id) = Uuid::parse_str(request.payment_id) else {
            return refuse(Refusal::PaymentNotFound);
        };
        // The key's fresh run only sets the amount aside: a request refused before that
        // frees the key, and once recorded the key names the refund whatever the provider
        // answers.
        let refund = idempotency::once(
            &self.db,
            &key,
            || Refusal::IdempotencyConflict("refund"),
            |id| async move {
                let refund = store::refund(&self.db, id).await?;
                Ok(refund.ok_or_else(|| {
                    ApiError::internal(anyhow::anyhow!("a refund key names a missing refund"))
                })?)
            },
            || async {
                let payment = self.refundable(payment_id, Some(request.amount)).await?;
                let wanted = Wanted {
                    id: Uuid::now_v7(),
                    amount: Some(request.amount),
                    reason,
                };
                self.set_aside(&payment, wanted, None, Some(&key)).await
            },
        )
        .await?;
        match RefundStatus::parse(&refund.status) {
            // Just recorded, or a first attempt's outcome is unknown: ask, same refund id.
            Some(RefundStatus::Pending) => {
                let payment = self.refundable(refund.payment_id, None).await?;
                self.ask_provider(&payment, &refund).await
            }
            Some(RefundStatus::Failed) => refuse(Refusal::ProviderRefused(None)),
            _ => Ok(existing_payment(&self.db, refund.payment_id).await?),
        }
    }

    /// Refunds `amount` (everything still held when `None`) of a payment. `refund_id` makes a
    /// repeat safe: a refund that succeeded is not made again, and one that failed or whose
    /// outcome is unknown is asked for again under the same id (the provider deduplicates by
    /// it).
    pub(super) async fn refund_payment(
        &self,
        payment_id: Uuid,
        amount: Option<Decimal>,
        reason: Option<String>,
        refund_id: Uuid,
    ) -> Result<payment::Model, DomainError<Refusal>> {
        let payment = self.refundable(payment_id, amount).await?;
        let earlier = store::refund(&self.db, refund_id).await?;
        let refund = match earlier {
            Some(r) if r.status == RefundStatus::Succeeded.as_str() => return Ok(payment),
            // An interrupted attempt already set the amount aside.
            Some(r) if r.status == RefundStatus::Pending.as_str() => r,
            earlier => {
                let wanted = Wanted {
                    id: refund_id,
                    amount,
                    reason,
                };
                self.set_aside(&payment, wanted, earlier, None).await?
            }
        };
        self.ask_provider(&payment, &refund).await
    }

    /// The payment to refund, and whether `amount` is one it can be refunded in.
    async fn refundable(
        &self,
        payment_id: Uuid,
        amount: Option<Decimal>,
    ) -> Result<payment::Model, DomainError<Refusal>> {
        let Some(payment) = store::payment(&self.db, payment_id).await? else {
            return refuse(Refusal::PaymentNotFound);
        };
        if amount.is_some_and(|a| a <= Decimal::ZERO || !fits_currency(a, &payment.currency)) {
            return Err(ApiError::bad_input(format!(
                "`amount` must be positive, in whole {} minor units",
                payment.currency
            ))
            .into());
        }
        Ok(payment)
    }

    /// Sets the refund's amount aside and records it `PENDING`: a new refund, or `earlier`
    /// (one that failed) tried again. `key`, for staff refunds, names the refund from this
    /// moment, so a retry with the key reaches it whatever happens to this attempt.
    async fn set_aside(
        &self,
        payment: &payment::Model,
        wanted: Wanted,
        earlier: Option<refund::Model>,
        key: Option<&KeyUse<'_>>,
    ) -> Result<refund::Model, DomainError<Refusal>> {
        let txn = begin_write(&self.db).await?;
        let locked = store::lock_payment(&txn, payment.id).await?;
        let asked = earlier.as_ref().map(|r| r.amount).or(wanted.amount);
        let (amount, refunded) = rules::fit_refund(locked.as_ref(), asked).or_refuse()?;
        let status = rules::status_when_refunded(payment.amount, refunded);
        store::set_refunded(&txn, payment.id, refunded, status).await?;
        let now = Utc::now();
        let refund = match earlier {
            Some(failed) => {
                // Only one retry of a failed refund sets its amount aside again.
                let moved = store::move_refund(
                    &txn,
                    failed.id,
                    RefundStatus::Failed,
                    RefundStatus::Pending,
                    None,
                )
                .await?;
                if !moved {
                    txn.rollback().await?;
                    return Err(ApiError::internal(anyhow::anyhow!(
                        "refund {} is being retried by another request",
                        failed.id
                    ))
                    .into());
                }
                refund::Model {
                    status: RefundStatus::Pending.as_str().into(),
                    updated_at: now,
                    ..failed
                }
            }
            None => {
                let refund = refund::Model {
                    id: wanted.id,
                    payment_id: payment.id,
                    amount,
                    reason: wanted.reason,
                    status: RefundStatus::Pending.as_str().into(),
                    provider_reference: None,
                    created_at: now,
                    updated_at: now,
                };
                store::insert(&txn, refund.clone()).await?;
                refund
            }
        };
        if let Some(key) = key {
            idempotency::complete(&txn, key, refund.id).await?;
        }
        txn.commit().await?;
        Ok(refund)
    }

    /// Asks the provider for a pending refund and records its answer.
    async fn ask_provider(
        &self,
        payment: &payment::Model,
        refund: &refund::Model,
    ) -> Result<payment::Model, DomainError<Refusal>> {
        let provider = self.provider(&payment.provider).cloned();
        let refunded = match (provider, payment.provider_reference.as_deref()) {
            (Some(provider), Some(charge)) => {
                provider
                    .refund(ProviderRefund {
                        charge_reference: charge.to_owned(),
                        amount: refund.amount,
                        currency: payment.currency.clone(),
                        refund_id: refund.id,
                    })
                    .await
            }
            _ => Err(ProviderError::Refused(
                "the payment has no provider charge to refund".to_owned(),
            )),
        };
        let txn = begin_write(&self.db).await?;
        match refunded {
            Ok(reference) => Ok(self.refunded(txn, refund, reference).await?),
            // Final: retrying would not change the provider's mind.
            Err(ProviderError::Refused(reason)) => {
                let failed = store::move_refund(
                    &txn,
                    refund.id,
                    RefundStatus::Pending,
                    RefundStatus::Failed,
                    None,
                )
                .await?;
                if failed {
                    give_back(&txn, payment.id, refund.amount).await?;
                }
                txn.commit().await?;
                refuse(Refusal::ProviderRefused(Some(reason)))
            }
            // The provider may have made the refund: it stays pending, its amount set aside.
            Err(ProviderError::Unavailable(reason)) => {
                txn.rollback().await?;
                let (payment_id, refund_id) = (payment.id, refund.id);
                tracing::warn!(%payment_id, %refund_id, %reason, "refund outcome unknown; it stays pending and is asked again with the same refund id");
                Err(ApiError::internal(anyhow::anyhow!(
                    "refund {refund_id} of payment {payment_id} pending, provider did not answer: {reason}"
                ))
                .into())
            }
        }
    }

    /// Records that the provider made the refund. Only the attempt that settles it tells
    /// orders: a concurrent one (the reconciler, a retry) got the same answer and finds it
    /// settled.
    async fn refunded(
        &self,
        txn: sea_orm::DatabaseTransaction,
        refund: &refund::Model,
        reference: String,
    ) -> ApiResult<payment::Model> {
        let settled = store::move_refund(
            &txn,
            refund.id,
            RefundStatus::Pending,
            RefundStatus::Succeeded,
            Some(reference),
        )
        .await?;
        let payment = existing_payment(&txn, refund.payment_id).await?;
        if settled {
            let fully_refunded = store::refunded_so_far(&txn, payment.id).await? >= payment.amount;
            events::refunded(&self.outbox, &txn, &payment, refund.amount, fully_refunded).await?;
        }
        txn.commit().await?;
        self.outbox.wake();
        Ok(payment)
    }
}

/// Takes back an amount set aside for a refund the provider did not make.
async fn give_back(
    db: &impl ConnectionTrait,
    payment_id: Uuid,
    amount: Decimal,
) -> Result<(), DbErr> {
    if let Some(payment) = store::lock_payment(db, payment_id).await? {
        let refunded = (payment.refunded_amount - amount).max(Decimal::ZERO);
        let status = rules::status_when_refunded(payment.amount, refunded);
        store::set_refunded(db, payment.id, refunded, status).await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_fingerprint_keeps_the_shape_keys_were_stored_with() {
        let request = RefundRequest {
            payment_id: "p",
            amount: Decimal::new(1000, 2),
            reason: Some(" damaged "),
        };
        assert_eq!(
            serde_json::to_string(&request).unwrap(),
            r#"{"payment_id":"p","amount":"10","reason":" damaged "}"#
        );
    }
}
