//! Shipping's side of an order: a shipment accepted (the order becomes partly or wholly
//! shipped, and can no longer be cancelled) and, once every line is delivered, the order
//! delivered. Each shipment and each delivery event counts once, however often it is told.

use micromall_kit::events::inbox;
use micromall_kit::{DomainError, refuse};
use uuid::Uuid;

use super::Orders;
use crate::entity::order;
use crate::refusal::Refusal;
use crate::rules::OrderStatus;
use crate::store;

/// The inbox consumer under which accepted shipments are recorded, by shipment id: shipping's
/// call and its `shipping.shipment.created` event name the same shipment, and it counts once.
const SHIPMENTS: &str = "orders:shipments";

impl Orders {
    /// Shipping asks whether a shipment may leave: yes for a paid or partly shipped order,
    /// which becomes `SHIPPED` when `all_shipped`, else `PARTIALLY_SHIPPED`. A status never
    /// moves back (a partial shipment told after the last one leaves the order shipped).
    pub async fn accept_shipment(
        &self,
        order_id: Uuid,
        shipment_id: Uuid,
        all_shipped: bool,
    ) -> Result<order::Model, DomainError<Refusal>> {
        let Some(txn) = inbox::begin_once(&self.db, SHIPMENTS, shipment_id).await? else {
            return self.order(order_id).await;
        };
        let Some(order) = store::order_by_id(&txn, order_id).await? else {
            return refuse(Refusal::NotFound);
        };
        let status = OrderStatus::parse(&order.status);
        let to = if all_shipped {
            OrderStatus::Shipped
        } else {
            OrderStatus::PartiallyShipped
        };
        let accepted = match status {
            Some(OrderStatus::Paid | OrderStatus::PartiallyShipped) if status != Some(to) => {
                let cause = format!("shipment {shipment_id} left");
                self.transition_from(
                    &txn,
                    order_id,
                    &[OrderStatus::Paid, OrderStatus::PartiallyShipped],
                    to,
                    &cause,
                )
                .await?
            }
            // Already where this shipment puts it, or further along.
            Some(OrderStatus::PartiallyShipped | OrderStatus::Shipped | OrderStatus::Delivered) => {
                Some(order.clone())
            }
            _ => None,
        };
        match accepted {
            Some(order) => {
                txn.commit().await?;
                self.outbox.wake();
                Ok(order)
            }
            None => {
                txn.rollback().await?;
                refuse(Refusal::NotShippable {
                    status: order.status,
                })
            }
        }
    }

    /// Applies `shipping.shipment.delivered` once: when it says every line has arrived, the
    /// order is delivered.
    pub async fn follow_delivery(
        &self,
        event_id: Uuid,
        order_id: Uuid,
        order_complete: bool,
    ) -> anyhow::Result<()> {
        let Some(txn) = inbox::begin_once(&self.db, crate::events::CONSUMER, event_id).await?
        else {
            return Ok(());
        };
        if order_complete {
            let moved = self
                .transition_in(
                    &txn,
                    order_id,
                    OrderStatus::Delivered,
                    "every shipment delivered",
                )
                .await?;
            if moved.is_none() {
                tracing::info!(%order_id, "order not in a state a delivery applies to");
            }
        }
        txn.commit().await?;
        self.outbox.wake();
        Ok(())
    }
}
