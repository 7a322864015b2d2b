//! What orders learns from payments and shipping: a captured payment pays the order; a full
//! refund refunds it; a shipment made ships it (when shipping's own call was lost); the last
//! delivery delivers it. Each event is applied once (inbox) together with the status change.

use std::sync::Arc;

use async_trait::async_trait;
use micromall_kit::contracts::{payments, shipping};
use micromall_kit::events::{Event, EventHandler};

use crate::rules::OrderStatus;
use crate::service::Orders;

/// The durable consumer name (inbox rows, bus subscriptions).
pub const CONSUMER: &str = "orders";
pub const SUBJECTS: &[&str] = &[
    payments::CAPTURED,
    payments::REFUNDED,
    shipping::CREATED,
    shipping::DELIVERED,
];

/// Applies payments' and shipping's events to orders.
pub struct Follower(pub Arc<Orders>);

#[async_trait]
impl EventHandler for Follower {
    async fn handle(&self, event: &Event) -> anyhow::Result<()> {
        if event.subject.starts_with("shipping.") {
            return self.follow_shipping(event).await;
        }
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

impl Follower {
    async fn follow_shipping(&self, event: &Event) -> anyhow::Result<()> {
        let shipment: shipping::ShipmentEvent = serde_json::from_value(event.payload.clone())?;
        match event.subject.as_str() {
            shipping::CREATED => {
                let accepted = self
                    .0
                    .accept_shipment(
                        shipment.order_id,
                        shipment.shipment_id,
                        shipment.order_complete,
                    )
                    .await;
                if let Err(err) = accepted {
                    match err {
                        micromall_kit::DomainError::Refused(refusal) => {
                            tracing::warn!(order_id = %shipment.order_id, ?refusal, "a shipment was made for an order that cannot ship")
                        }
                        micromall_kit::DomainError::Failed(err) => return Err(err.into_anyhow()),
                    }
                }
                Ok(())
            }
            shipping::DELIVERED => {
                self.0
                    .follow_delivery(event.id, shipment.order_id, shipment.order_complete)
                    .await
            }
            _ => Ok(()),
        }
    }
}
