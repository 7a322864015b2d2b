//! What orders learns from payments: a captured payment pays the order; a full refund
//! refunds it. Each event is applied once (inbox) together with the status change.

use std::sync::Arc;

use async_trait::async_trait;
use micromall_kit::contracts::payments;
use micromall_kit::events::{Event, EventHandler, inbox};

use crate::service::Orders;
use crate::status::OrderStatus;

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
        let orders = &self.0;
        if to == OrderStatus::Refunded {
            // On NATS the capture and the refund travel on different consumers: a refund seen
            // before its capture waits (redelivery) rather than being lost.
            let unpaid = crate::store::order_by_id(&orders.db, payment.order_id)
                .await?
                .is_some_and(|o| o.status == OrderStatus::PendingPayment.as_str());
            if unpaid {
                anyhow::bail!(
                    "refund of order {} arrived before its capture",
                    payment.order_id
                );
            }
        }
        let Some(txn) = inbox::begin_once(&orders.db, CONSUMER, event.id).await? else {
            return Ok(());
        };
        let moved = orders
            .transition_in(&txn, payment.order_id, to, &cause)
            .await?;
        txn.commit().await?;
        match moved {
            Some(_) => orders.outbox.wake(),
            // A capture for an order that was cancelled meanwhile: payments refunds it when
            // it learns of the cancellation.
            None => {
                tracing::info!(order_id = %payment.order_id, subject = %event.subject, "order not in a state this event applies to")
            }
        }
        Ok(())
    }
}
