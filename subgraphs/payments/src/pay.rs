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
use micromall_kit::idempotency::{self, Claim, KeyUse};
use micromall_kit::internal::CallError;
use micromall_kit::{ApiError, ApiResult, UserError};
use rust_decimal::Decimal;
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, Set};
use serde::Serialize;
use uuid::Uuid;

use crate::entity::payment;
use crate::provider::{ChargeRequest, ChargeStarted, PaymentProvider};
use crate::service::{Outcome, Payments, not_found, payment_by_id, payments_of_orders};
use crate::status::PaymentStatus;

const OPERATION: &str = "pay";
const MAX_TOKEN_LEN: usize = 500;

pub struct PayRequest {
    pub order_id: String,
    pub provider: String,
    pub payment_method_token: String,
    pub idempotency_key: String,
}

#[derive(Serialize)]
struct Fingerprint<'a> {
    order_id: &'a str,
    provider: &'a str,
    token: &'a str,
}

impl Payments {
    pub async fn pay(
        &self,
        customer: Uuid,
        request: PayRequest,
    ) -> ApiResult<Outcome<payment::Model>> {
        let key = KeyUse::new(
            customer,
            OPERATION,
            &request.idempotency_key,
            &Fingerprint {
                order_id: &request.order_id,
                provider: &request.provider,
                token: &request.payment_method_token,
            },
        )?;
        if request.payment_method_token.len() > MAX_TOKEN_LEN {
            return Err(ApiError::bad_input("`paymentMethodToken` is too long"));
        }
        let Some(provider) = self.provider(&request.provider).cloned() else {
            return Ok(Err(vec![
                UserError::new(
                    "UNKNOWN_PROVIDER",
                    format!(
                        "there is no payment provider `{}`",
                        truncate(&request.provider)
                    ),
                )
                .at(&["input", "provider"]),
            ]));
        };
        let Ok(order_id) = Uuid::parse_str(&request.order_id) else {
            return Ok(Err(not_found(&["input", "orderId"])));
        };
        match idempotency::claim(&self.db, &key).await? {
            Claim::Done(payment_id) => {
                let payment = payment_by_id(&self.db, payment_id).await?.ok_or_else(|| {
                    ApiError::internal(anyhow::anyhow!("a payment key names a missing payment"))
                })?;
                if !unanswered(&payment) {
                    return Ok(Ok(payment));
                }
                return self
                    .charge(provider.as_ref(), payment, request.payment_method_token)
                    .await;
            }
            Claim::Conflict => {
                return Ok(Err(vec![
                    UserError::new(
                        "IDEMPOTENCY_CONFLICT",
                        "this idempotency key was used for a different payment",
                    )
                    .at(&["input", "idempotencyKey"]),
                ]));
            }
            Claim::Fresh => {}
        }
        let started = self.start(customer, order_id, provider.name(), &key).await;
        let payment = match started {
            Ok(Ok(payment)) => payment,
            other => {
                idempotency::forget(&self.db, &key).await;
                return other;
            }
        };
        self.charge(provider.as_ref(), payment, request.payment_method_token)
            .await
    }

    /// Asks the provider to charge for `payment` (again, if its first answer never came: the
    /// provider deduplicates by the payment id) and records what it said.
    async fn charge(
        &self,
        provider: &dyn PaymentProvider,
        payment: payment::Model,
        payment_method_token: String,
    ) -> ApiResult<Outcome<payment::Model>> {
        let charged = provider
            .charge(ChargeRequest {
                payment_id: payment.id,
                amount: payment.amount,
                currency: payment.currency.clone(),
                payment_method_token,
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
        let mut update = payment::Entity::update_many()
            .col_expr(payment::Column::UpdatedAt, Expr::value(Utc::now()))
            .filter(payment::Column::Id.eq(payment.id))
            .filter(payment::Column::Status.eq(PaymentStatus::Pending.as_str()));
        if let Some(reference) = reference {
            update = update.col_expr(payment::Column::ProviderReference, Expr::value(reference));
        }
        if let Some(reason) = failure {
            update = update
                .col_expr(
                    payment::Column::Status,
                    Expr::value(PaymentStatus::Failed.as_str()),
                )
                .col_expr(payment::Column::FailureReason, Expr::value(reason));
        }
        update.exec(&self.db).await?;
        let payment = payment_by_id(&self.db, payment.id)
            .await?
            .ok_or_else(|| ApiError::internal(anyhow::anyhow!("payment vanished")))?;
        Ok(Ok(payment))
    }

    /// Checks the order and records the `PENDING` payment with the key's result.
    async fn start(
        &self,
        customer: Uuid,
        order_id: Uuid,
        provider: &str,
        key: &KeyUse<'_>,
    ) -> ApiResult<Outcome<payment::Model>> {
        let order: Result<OrderFacts, CallError> = self
            .services
            .call(
                orders::SERVICE,
                orders::ORDER,
                &orders::OrderRequest { order_id },
            )
            .await;
        let order = match order {
            Ok(order) => order,
            Err(CallError::Refused { .. }) => return Ok(Err(not_found(&["input", "orderId"]))),
            Err(err) => return Err(ApiError::internal(err)),
        };
        // Someone else's order looks exactly like a missing one.
        if order.customer_id != customer {
            return Ok(Err(not_found(&["input", "orderId"])));
        }
        if order.status != "PENDING_PAYMENT" {
            return Ok(Err(invalid_state(&format!(
                "an order that is {} cannot be paid",
                order.status
            ))));
        }
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
        let inserted = payment::Entity::insert(payment::ActiveModel {
            id: Set(payment.id),
            order_id: Set(payment.order_id),
            customer_id: Set(payment.customer_id),
            provider: Set(payment.provider.clone()),
            provider_reference: Set(None),
            status: Set(payment.status.clone()),
            amount: Set(payment.amount),
            refunded_amount: Set(payment.refunded_amount),
            currency: Set(payment.currency.clone()),
            failure_reason: Set(None),
            created_at: Set(now),
            updated_at: Set(now),
        })
        .exec_without_returning(&txn)
        .await;
        match inserted {
            Ok(_) => {}
            // The order already has a payment in flight or holding money (a unique index).
            // One whose charge was never answered is this request's to charge again.
            Err(err) if is_unique_violation(&err) => {
                txn.rollback().await?;
                return self
                    .unanswered_payment(customer, order_id, provider, key)
                    .await;
            }
            Err(err) => return Err(err.into()),
        }
        idempotency::complete(&txn, key, payment.id).await?;
        txn.commit().await?;
        Ok(Ok(payment))
    }
}

impl Payments {
    /// The order's payment whose charge was never answered, now also the result of `key`;
    /// `INVALID_STATE` when the order's active payment is answered (in progress or paid).
    async fn unanswered_payment(
        &self,
        customer: Uuid,
        order_id: Uuid,
        provider: &str,
        key: &KeyUse<'_>,
    ) -> ApiResult<Outcome<payment::Model>> {
        let unanswered = payments_of_orders(&self.db, &[order_id])
            .await?
            .into_iter()
            .find(|p| p.customer_id == customer && p.provider == provider && unanswered(p));
        let Some(payment) = unanswered else {
            return Ok(Err(already_in_progress()));
        };
        let txn = begin_write(&self.db).await?;
        idempotency::complete(&txn, key, payment.id).await?;
        txn.commit().await?;
        Ok(Ok(payment))
    }
}

/// A payment whose charge request got no answer: it may or may not exist at the provider.
fn unanswered(payment: &payment::Model) -> bool {
    payment.status == PaymentStatus::Pending.as_str() && payment.provider_reference.is_none()
}

fn invalid_state(message: &str) -> Vec<UserError> {
    vec![UserError::new("INVALID_STATE", message).at(&["input", "orderId"])]
}

fn already_in_progress() -> Vec<UserError> {
    invalid_state("this order is paid, or a payment for it is still in progress")
}

fn truncate(s: &str) -> String {
    s.chars().take(40).collect()
}
