use async_graphql::dataloader::DataLoader;
use async_graphql::{Context, ID, InputObject, Object, Result};
use chrono::{DateTime, Utc};
use micromall_kit::graphql::viewer;
use micromall_kit::money::Money;
use rust_decimal::Decimal;
use uuid::Uuid;

use super::loaders::PaymentsOfOrder;
use crate::entity::payment;
use crate::service::Payments;
use crate::status::PaymentStatus;

pub struct Payment(pub payment::Model);

#[Object]
impl Payment {
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }

    async fn order(&self) -> Order {
        Order {
            id: self.0.order_id,
        }
    }

    async fn provider(&self) -> &str {
        &self.0.provider
    }

    async fn provider_reference(&self) -> Option<&str> {
        self.0.provider_reference.as_deref()
    }

    async fn status(&self) -> PaymentStatus {
        PaymentStatus::parse(&self.0.status).unwrap_or(PaymentStatus::Pending)
    }

    async fn amount(&self) -> Money {
        Money::new(self.0.amount, &self.0.currency)
    }

    async fn refunded_amount(&self) -> Money {
        Money::new(self.0.refunded_amount, &self.0.currency)
    }

    async fn failure_reason(&self) -> Option<&str> {
        self.0.failure_reason.as_deref()
    }

    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
}

/// Orders, to which payments adds their payments.
pub struct Order {
    pub id: Uuid,
}

#[Object]
impl Order {
    async fn id(&self) -> ID {
        ID(self.id.to_string())
    }

    /// Every payment attempt for the order, oldest first (only those the viewer may see).
    async fn payments(&self, ctx: &Context<'_>) -> Result<Vec<Payment>> {
        let rows = ctx
            .data_unchecked::<DataLoader<PaymentsOfOrder>>()
            .load_one(self.id)
            .await?
            .unwrap_or_default();
        Ok(Payments::seen_by(viewer(ctx), rows)
            .into_iter()
            .map(Payment)
            .collect())
    }
}

#[derive(InputObject)]
pub struct PayOrderInput {
    pub order_id: ID,
    pub provider: String,
    /// Sandbox tokens: "sandbox_ok", "sandbox_decline", "sandbox_timeout".
    pub payment_method_token: String,
    pub idempotency_key: String,
}

#[derive(InputObject)]
pub struct RefundInput {
    pub payment_id: ID,
    pub amount: Decimal,
    pub reason: Option<String>,
    pub idempotency_key: String,
}

// codes: NOT_FOUND, INVALID_STATE, UNKNOWN_PROVIDER, AMOUNT_EXCEEDS_CAPTURED,
// IDEMPOTENCY_CONFLICT (a doc comment would change the published schema).
micromall_kit::payload!(PaymentPayload, payment: Payment);
