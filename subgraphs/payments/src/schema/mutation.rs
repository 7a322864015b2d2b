use std::sync::Arc;

use async_graphql::{Context, Object, Result};
use micromall_kit::graphql::{authenticated, viewer};

use super::types::{PayOrderInput, Payment, PaymentPayload, RefundInput};
use crate::entity::payment;
use crate::pay::PayRequest;
use crate::refund::RefundRequest;
use crate::service::{Outcome, Payments, REFUND};

pub struct Mutation;

fn payments<'a>(ctx: &'a Context<'_>) -> &'a Payments {
    ctx.data_unchecked::<Arc<Payments>>()
}

fn payload(outcome: Outcome<payment::Model>) -> PaymentPayload {
    match outcome {
        Ok(p) => PaymentPayload {
            payment: Some(Payment(p)),
            user_errors: Vec::new(),
        },
        Err(user_errors) => PaymentPayload {
            payment: None,
            user_errors,
        },
    }
}

#[Object]
impl Mutation {
    /// Starts paying one of the viewer's orders. The payment is `PENDING` until the provider
    /// confirms; then it is `CAPTURED` (and the order `PAID`) or `FAILED`. Idempotent.
    #[graphql(directive = authenticated::apply())]
    async fn pay_order(&self, ctx: &Context<'_>, input: PayOrderInput) -> Result<PaymentPayload> {
        let customer = viewer(ctx).require_user()?;
        let outcome = payments(ctx)
            .pay(
                customer,
                PayRequest {
                    order_id: input.order_id.0,
                    provider: input.provider,
                    payment_method_token: input.payment_method_token,
                    idempotency_key: input.idempotency_key,
                },
            )
            .await?;
        Ok(payload(outcome))
    }

    /// Gives back part or all of a captured payment; the order becomes `REFUNDED` once its
    /// payment is refunded in full. Idempotent.
    #[graphql(requires_scopes = "payments:refund")]
    async fn refund_payment(
        &self,
        ctx: &Context<'_>,
        input: RefundInput,
    ) -> Result<PaymentPayload> {
        let staff = viewer(ctx).require_scope(REFUND)?;
        let outcome = payments(ctx)
            .refund(
                staff,
                RefundRequest {
                    payment_id: input.payment_id.0,
                    amount: input.amount,
                    reason: input.reason,
                    idempotency_key: input.idempotency_key,
                },
            )
            .await?;
        Ok(payload(outcome))
    }
}
