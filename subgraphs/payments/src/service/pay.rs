//! `payOrder`: start a payment for an order awaiting it. The payment is `PENDING` until the
//! provider's verified callback says how it ended (see `callbacks`).
//!
//! A charge whose answer never came (provider unreachable, timed out) leaves a `PENDING`
//! payment without a provider reference: the charge may or may not exist. A retry of
//! `payOrder` (same key or another) sends that same payment's charge again, under the same
//! payment reference, which the provider deduplicates: a charge it made is answered with its
//! reference, one it never received is made now. Either way the order is charged once.

use chrono::Utc;
use micromall_kit::contracts::orders::{self, OrderFacts};
use micromall_kit::db::{begin_write, is_unique_violation};
use micromall_kit::idempotency::{self, KeyUse};
use micromall_kit::internal::CallError;
use micromall_kit::outcome::Verdict;
use micromall_kit::{ApiError, ApiResult, DomainError, refuse};
use rust_decimal::Decimal;
use serde::Serialize;
use uuid::Uuid;

use super::{Payments, existing_payment};
use crate::entity::payment;
use crate::provider::{ChargeRequest, ChargeStarted, PaymentProvider};
use crate::refusal::Refusal;
use crate::rules::{self, MAX_TOKEN_LEN};
use crate::status::PaymentStatus;
use crate::store;

const OPERATION: &str = "pay";

/// What `payOrder` asks for, which is also what its idempotency key fingerprints.
#[derive(Serialize)]
pub struct PayRequest<'a> {
    pub order_id: &'a str,
    pub provider: &'a str,
    #[serde(rename = "token")]
    pub payment_method_token: &'a str,
}

impl Payments {
    /// The order's payment for this key: made now, or the one a first request with the key
    /// made; charged unless the provider already answered about it.
    pub async fn pay(
        &self,
        customer: Uuid,
        idempotency_key: &str,
        request: PayRequest<'_>,
    ) -> Result<payment::Model, DomainError<Refusal>> {
        let key = KeyUse::new(customer, OPERATION, idempotency_key, &request)?;
        if request.payment_method_token.len() > MAX_TOKEN_LEN {
            return Err(ApiError::bad_input("`paymentMethodToken` is too long").into());
        }
        let Some(provider) = self.provider(request.provider).cloned() else {
            return refuse(Refusal::UnknownProvider(request.provider.to_owned()));
        };
        let Ok(order_id) = Uuid::parse_str(request.order_id) else {
            return refuse(Refusal::OrderNotFound);
        };
        // The key's fresh run only records the payment: a request refused before that frees
        // the key, and once recorded the key names the payment whatever its charge becomes.
        let payment = idempotency::once(
            &self.db,
            &key,
            || Refusal::IdempotencyConflict("payment"),
            |id| async move { Ok(existing_payment(&self.db, id).await?) },
            || self.start(customer, order_id, provider.name(), &key),
        )
        .await?;
        if !rules::unanswered(&payment) {
            return Ok(payment);
        }
        Ok(self
            .charge(provider.as_ref(), payment, request.payment_method_token)
            .await?)
    }

    /// Asks the provider to charge for `payment` (again, if its first answer never came: the
    /// provider deduplicates by the payment id) and records what it said.
    async fn charge(
        &self,
        provider: &dyn PaymentProvider,
        payment: payment::Model,
        payment_method_token: &str,
    ) -> ApiResult<payment::Model> {
        let charged = provider
            .charge(ChargeRequest {
                payment_id: payment.id,
                amount: payment.amount,
                currency: payment.currency.clone(),
                payment_method_token: payment_method_token.to_owned(),
            })
            .await;
        let (reference, failure) = match charged {
            Ok(ChargeStarted::Pending { reference }) => (Some(reference), None),
            Ok(ChargeStarted::Rejected { reason }) => (None, Some(reason)),
            // The charge may have reached the provider even though its answer did not reach
            // us: the payment stays pending and the provider's callback decides.
            Err(err) => {
                tracing::warn!(error = %err, payment_id = %payment.id, "charge outcome unknown; waiting for the provider");
                (None, None)
            }
        };
        store::record_charge(&self.db, payment.id, reference, failure).await?;
        existing_payment(&self.db, payment.id).await
    }

    /// Checks the order and records the `PENDING` payment with the key's result.
    async fn start(
        &self,
        customer: Uuid,
        order_id: Uuid,
        provider: &str,
        key: &KeyUse<'_>,
    ) -> Result<payment::Model, DomainError<Refusal>> {
        let order: Result<OrderFacts, CallError> = self
            .orders
            .call(
                orders::SERVICE,
                orders::ORDER,
                &orders::OrderRequest { order_id },
            )
            .await;
        let order = match order {
            Ok(order) => order,
            Err(CallError::Refused { .. }) => return refuse(Refusal::OrderNotFound),
            Err(err) => return Err(ApiError::internal(err).into()),
        };
        rules::payable(&order, customer).or_refuse()?;
        let now = Utc::now();
        let payment = payment::Model {
            id: Uuid::now_v7(),
            order_id,
            customer_id: customer,
            provider: provider.to_owned(),
            provider_reference: None,
            status: PaymentStatus::Pending.as_str().to_owned(),
            amount: order.total,
            refunded_amount: Decimal::ZERO,
            currency: order.currency,
            failure_reason: None,
            created_at: now,
            updated_at: now,
        };
        let txn = begin_write(&self.db).await?;
        match store::insert(&txn, payment.clone()).await {
            Ok(()) => {}
            // The order already has a payment in flight or holding money (a unique index).
            // One whose charge was never answered is this request's to charge again.
            Err(err) if is_unique_violation(&err) => {
                txn.rollback().await?;
                return self.unanswered_payment(&payment, key).await;
            }
            Err(err) => return Err(err.into()),
        }
        idempotency::complete(&txn, key, payment.id).await?;
        txn.commit().await?;
        Ok(payment)
    }

    /// The payment like `attempted` (same order, payer and provider) whose charge was never
    /// answered, now also the result of `key`; refused when the order's active payment is
    /// answered (in progress or paid).
    async fn unanswered_payment(
        &self,
        attempted: &payment::Model,
        key: &KeyUse<'_>,
    ) -> Result<payment::Model, DomainError<Refusal>> {
        let unanswered = store::payments_of_orders(&self.db, &[attempted.order_id])
            .await?
            .into_iter()
            .find(|p| {
                p.customer_id == attempted.customer_id
                    && p.provider == attempted.provider
                    && rules::unanswered(p)
            });
        let Some(payment) = unanswered else {
            return refuse(Refusal::PaymentInProgress);
        };
        let txn = begin_write(&self.db).await?;
        idempotency::complete(&txn, key, payment.id).await?;
        txn.commit().await?;
        Ok(payment)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_fingerprint_keeps_the_shape_keys_were_stored_with() {
        let request = PayRequest {
            order_id: "o",
            provider: "sandbox",
            payment_method_token: "sandbox_ok",
        };
        assert_eq!(
            serde_json::to_string(&request).unwrap(),
            r#"{"order_id":"o","provider":"sandbox","token":"sandbox_ok"}"#
        );
    }
}
