use async_graphql::{Context, Object, Result};
use micromall_kit::answer;
use micromall_kit::graphql::{authenticated, service, viewer};

use super::types::{PayOrderInput, Payment, PaymentPayload, RefundInput};
use crate::rules::REFUND;
use crate::service::{PayRequest, Payments, RefundRequest};

pub struct Mutation;

#[Object]
impl Mutation {
    /// Starts paying one of the viewer's orders. The payment is `PENDING` until the provider
    /// confirms; then it is `CAPTURED` (and the order `PAID`) or `FAILED`. Idempotent.
    #[graphql(directive = authenticated::apply())]
    async fn pay_order(&self, ctx: &Context<'_>, input: PayOrderInput) -> Result<PaymentPayload> {
        let customer = viewer(ctx).require_user()?;
        let request = PayRequest {
            order_id: &input.order_id,
            provider: &input.provider,
            payment_method_token: &input.payment_method_token,
        };
        let paid = service::<Payments>(ctx)?
            .pay(customer, &input.idempotency_key, request)
            .await;
        answer(paid.map(Payment))
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
        let request = RefundRequest {
            payment_id: &input.payment_id,
            amount: input.amount,
            reason: input.reason.as_deref(),
        };
        let refunded = service::<Payments>(ctx)?
            .refund(staff, &input.idempotency_key, request)
            .await;
        answer(refunded.map(Payment))
    }
}
