//! What payments tells orders (a payment captured, money refunded), and the events it
//! follows to give money back on its own: an order cancelled after payment, and a capture
//! that arrives for a cancelled order (see `service::money_back`).

use std::sync::Arc;

use async_trait::async_trait;
use micromall_kit::contracts::{orders, payments};
use micromall_kit::events::outbox::Outbox;
use micromall_kit::events::{Event, EventHandler};
use rust_decimal::Decimal;
use sea_orm::{ConnectionTrait, DbErr};

use crate::entity::payment;
use crate::service::Payments;

pub const CONSUMER: &str = "payments";
pub const SUBJECTS: &[&str] = &[orders::CANCELLED, payments::CAPTURED];

/// Announces the payment's capture in the transaction that records it.
pub async fn captured(
    outbox: &Outbox,
    txn: &impl ConnectionTrait,
    payment: &payment::Model,
) -> Result<(), DbErr> {
    announce(
        outbox,
        txn,
        payments::CAPTURED,
        payment,
        payment.amount,
        false,
    )
    .await
}

/// Announces a refund of `amount` in the transaction that settles it.
pub async fn refunded(
    outbox: &Outbox,
    txn: &impl ConnectionTrait,
    payment: &payment::Model,
    amount: Decimal,
    fully_refunded: bool,
) -> Result<(), DbErr> {
    announce(
        outbox,
        txn,
        payments::REFUNDED,
        payment,
        amount,
        fully_refunded,
    )
    .await
}

async fn announce(
    outbox: &Outbox,
    txn: &impl ConnectionTrait,
    subject: &str,
    payment: &payment::Model,
    amount: Decimal,
    fully_refunded: bool,
) -> Result<(), DbErr> {
    outbox
        .enqueue(
            txn,
            subject,
            &payments::PaymentEvent {
                payment_id: payment.id,
                order_id: payment.order_id,
                amount,
                currency: payment.currency.clone(),
                fully_refunded,
            },
        )
        .await?;
    Ok(())
}

/// Follows orders' cancellations and payments' own captures.
pub struct MoneyBack(pub Arc<Payments>);

#[async_trait]
impl EventHandler for MoneyBack {
    async fn handle(&self, event: &Event) -> anyhow::Result<()> {
        match event.subject.as_str() {
            orders::CANCELLED => {
                let order: orders::OrderRef = serde_json::from_value(event.payload.clone())?;
                self.0.order_cancelled(event.id, order.order_id).await
            }
            payments::CAPTURED => {
                let captured: payments::PaymentEvent =
                    serde_json::from_value(event.payload.clone())?;
                self.0.payment_captured(event.id, &captured).await
            }
            _ => Ok(()),
        }
    }
}
