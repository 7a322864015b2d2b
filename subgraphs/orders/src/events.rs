//! What orders learns from payments: a captured payment pays the order; a full refund
//! refunds it. Each event is applied once (inbox) together with the status change.

use std::sync::Arc;

use async_trait::async_trait;
use micromall_kit::contracts::payments;
use micromall_kit::events::{Event, EventHandler};

use crate::rules::OrderStatus;
use crate::service::Orders;

/// The durable consumer name (inbox rows, bus subscriptions).
pub const CONSUMER: &str = "orders";
pub const SUBJECTS: &[&str] = &[payments::CAPTURED, payments::REFUNDED];

pub struct PaymentEvents(pub Arc<Orders>);

#[async_trait]
impl EventHandler for PaymentEvents {
    async fn handle(&self, event: &Event) -> anyhow::Result<()> {
        let payment: payments::PaymentEvent = serde_json::from_value(event.payload.clone())?;
        let (to, cause) = match event.subject.as_str() {
            payments::CAPTURED => (
                OrderStatus::Paid,
                format!("payment {} captured", payment.payment_id),
            ),
            payments::REFUNDED if payment.fully_refunded => (
                OrderStatus::Refunded,
                format!("payment {} refunded in full", payment.payment_id),
            ),
            _ => return Ok(()),
        };
        self.0
            .follow_payment(event.id, payment.order_id, to, &cause)
            .await
    }
}
