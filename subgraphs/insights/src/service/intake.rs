//! Each event insights follows becomes facts: orders placed, paid and cancelled, refunds,
//! carts made, stock levels. Every event is kept in the journal as received, in the same
//! transaction as its facts, so the read model can be rebuilt from it.

use micromall_kit::contracts::{cart, inventory, orders, payments};
use micromall_kit::events::Event;
use sea_orm::{ConnectionTrait, DbErr};
use serde::de::DeserializeOwned;

use crate::entity::{cart_fact, event_journal, order_fact, order_item, refund, stock_level};
use crate::store::{self, Outcome};

pub const SUBJECTS: [&str; 6] = [
    orders::PLACED,
    orders::PAID,
    orders::CANCELLED,
    payments::REFUNDED,
    cart::CREATED,
    inventory::STOCK_CHANGED,
];

/// The payload, or `None` (logged) for one that will never become readable.
fn read<T: DeserializeOwned>(event: &Event) -> Option<T> {
    match serde_json::from_value(event.payload.clone()) {
        Ok(payload) => Some(payload),
        Err(err) => {
            tracing::error!(event = %event.id, subject = %event.subject, error = %err, "unreadable event skipped");
            None
        }
    }
}

/// Journals the event and applies it; an event journaled before changes nothing.
pub async fn take_in(conn: &impl ConnectionTrait, event: &Event) -> Result<(), DbErr> {
    let fresh = store::journal(
        conn,
        event_journal::Model {
            event_id: event.id,
            subject: event.subject.clone(),
            occurred_at: micromall_kit::db::as_stored(event.occurred_at),
            payload: event.payload.clone(),
        },
    )
    .await?;
    if fresh {
        apply(conn, event).await?;
    }
    Ok(())
}

/// What the event says, as facts.
pub async fn apply(conn: &impl ConnectionTrait, event: &Event) -> Result<(), DbErr> {
    let at = micromall_kit::db::as_stored(event.occurred_at);
    match event.subject.as_str() {
        orders::PLACED => {
            let Some(order) = read::<orders::OrderPlaced>(event) else {
                return Ok(());
            };
            let items = order
                .items
                .iter()
                .map(|i| order_item::Model {
                    order_id: order.order_id,
                    variant_id: i.variant_id,
                    product_id: i.product_id,
                    quantity: i.quantity,
                    unit_price: i.unit_price,
                    discount: i.discount,
                })
                .collect();
            let fact = order_fact::Model {
                order_id: order.order_id,
                customer_id: order.customer_id,
                placed_at: at,
                subtotal: order.subtotal,
                discount: order.discount,
                shipping_cost: order.shipping_cost,
                total: order.total,
                coupon_code: order.coupon_code,
                paid_at: None,
                cancelled_at: None,
            };
            store::record_placed(conn, fact, items).await
        }
        orders::PAID => match read::<orders::OrderRef>(event) {
            Some(order) => {
                store::mark(conn, order.order_id, order.customer_id, Outcome::Paid, at).await
            }
            None => Ok(()),
        },
        orders::CANCELLED => match read::<orders::OrderRef>(event) {
            Some(order) => {
                store::mark(
                    conn,
                    order.order_id,
                    order.customer_id,
                    Outcome::Cancelled,
                    at,
                )
                .await
            }
            None => Ok(()),
        },
        payments::REFUNDED => match read::<payments::PaymentEvent>(event) {
            Some(refunded) => {
                let row = refund::Model {
                    event_id: event.id,
                    order_id: refunded.order_id,
                    amount: refunded.amount,
                    refunded_at: at,
                };
                store::insert_refund(conn, row).await
            }
            None => Ok(()),
        },
        cart::CREATED => match read::<cart::CartCreated>(event) {
            Some(made) => {
                let row = cart_fact::Model {
                    cart_id: made.cart_id,
                    created_at: at,
                    guest: made.guest,
                };
                store::insert_cart(conn, row).await
            }
            None => Ok(()),
        },
        inventory::STOCK_CHANGED => match read::<inventory::StockChanged>(event) {
            Some(change) => {
                let row = stock_level::Model {
                    variant_id: change.variant_id,
                    available: change.available,
                    at: micromall_kit::db::as_stored(change.at),
                };
                store::set_stock(conn, row).await
            }
            None => Ok(()),
        },
        _ => Ok(()),
    }
}
