//! Following parcels: carriers' scans (verified webhooks) and staff's manual entries join a
//! shipment's timeline; the status moves only as `rules::tracking` allows. The first
//! delivery of a shipment writes `shipping.shipment.delivered` in the same transaction, so
//! it is announced exactly once even if the process dies right after the commit.

use chrono::{DateTime, Utc};
use micromall_kit::contracts::shipping as events;
use micromall_kit::db::begin_write;
use micromall_kit::{DomainError, refuse};
use sea_orm::{ConnectionTrait, DbErr};
use uuid::Uuid;

use super::Shipping;
use super::shipments::shipped_line;
use crate::carrier::Scan;
use crate::entity::shipment::{self, ShipmentState};
use crate::entity::tracking_event;
use crate::refusal::Refusal;
use crate::rules::ShipmentStatus;
use crate::rules::tracking::{self, Standing};
use crate::store;

/// The longest description and location a scan keeps.
const MAX_DESCRIPTION: usize = 500;
const MAX_LOCATION: usize = 200;

/// What a carrier callback did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Applied {
    /// Joined the timeline (and moved the status, if it may).
    Recorded,
    /// This event was applied before.
    Repeat,
    /// No shipment has this tracking number.
    UnknownShipment,
    /// The shipment is still being confirmed: the carrier should try again shortly.
    NotYetConfirmed,
}

/// A scan staff enter by hand (`addTrackingEvent`).
pub struct ManualScan<'a> {
    pub shipment_id: &'a str,
    pub status: ShipmentStatus,
    pub description: &'a str,
    pub location: Option<&'a str>,
    pub occurred_at: Option<DateTime<Utc>>,
}

impl Shipping {
    /// Applies a verified carrier callback, once per carrier event id.
    pub async fn apply_scan(&self, carrier: &str, scan: &Scan) -> Result<Applied, DbErr> {
        let Some(shipment) =
            store::any_shipment_by_tracking(&self.db, carrier, &scan.tracking_number).await?
        else {
            let pending = match scan.shipment_id {
                Some(id) => store::shipment(&self.db, id).await?,
                None => None,
            };
            return Ok(match pending {
                Some(s) if s.carrier == carrier && s.state == ShipmentState::Pending.as_str() => {
                    Applied::NotYetConfirmed
                }
                _ => Applied::UnknownShipment,
            });
        };
        let txn = begin_write(&self.db).await?;
        if !store::first_sight(&txn, carrier, &scan.event_id).await? {
            return Ok(Applied::Repeat);
        }
        let delivered = self
            .record(
                &txn,
                shipment,
                scan.status,
                &scan.description,
                scan.location.as_deref(),
                scan.occurred_at,
            )
            .await?;
        txn.commit().await?;
        if delivered {
            self.outbox.wake();
        }
        Ok(Applied::Recorded)
    }

    /// `addTrackingEvent`: staff record a scan by hand (a carrier without callbacks, a
    /// correction); it follows the same rules as a carrier's.
    pub async fn add_tracking_event(
        &self,
        scan: ManualScan<'_>,
    ) -> Result<shipment::Model, DomainError<Refusal>> {
        let description = scan.description.trim();
        let location = scan.location.map(str::trim).filter(|l| !l.is_empty());
        if description.is_empty()
            || description.chars().count() > MAX_DESCRIPTION
            || location.is_some_and(|l| l.chars().count() > MAX_LOCATION)
            || description
                .chars()
                .chain(location.unwrap_or_default().chars())
                .any(|c| c.is_control() && c != '\n')
        {
            return refuse(Refusal::InvalidTrackingEvent);
        }
        let shipment = match Uuid::parse_str(scan.shipment_id) {
            Ok(id) => store::shipment(&self.db, id).await?,
            Err(_) => None,
        };
        let Some(shipment) = shipment.filter(|s| s.state == ShipmentState::Confirmed.as_str())
        else {
            return refuse(Refusal::ShipmentNotFound);
        };
        let id = shipment.id;
        let txn = begin_write(&self.db).await?;
        let delivered = self
            .record(
                &txn,
                shipment,
                scan.status,
                description,
                location,
                scan.occurred_at.unwrap_or_else(Utc::now),
            )
            .await?;
        txn.commit().await?;
        if delivered {
            self.outbox.wake();
        }
        Ok(store::shipment(&self.db, id)
            .await?
            .ok_or_else(|| anyhow::anyhow!("shipment {id} vanished"))?)
    }

    /// Adds the scan to the timeline and moves the status if the rules allow; on the first
    /// delivery, writes the delivered event. Returns whether it did.
    async fn record<C: ConnectionTrait>(
        &self,
        txn: &C,
        shipment: shipment::Model,
        status: ShipmentStatus,
        description: &str,
        location: Option<&str>,
        occurred_at: DateTime<Utc>,
    ) -> Result<bool, DbErr> {
        // As PostgreSQL keeps it, so a later compare-and-set matches what was read.
        let occurred_at = micromall_kit::db::as_stored(occurred_at);
        store::add_event(
            txn,
            tracking_event::Model {
                id: Uuid::now_v7(),
                shipment_id: shipment.id,
                status: status.as_str().to_owned(),
                description: description.to_owned(),
                location: location.map(str::to_owned),
                occurred_at,
                recorded_at: Utc::now(),
            },
        )
        .await?;
        let was = Standing {
            status: ShipmentStatus::parse(&shipment.status).unwrap_or(ShipmentStatus::LabelCreated),
            at: shipment.status_at,
            progress: shipment.progress,
        };
        let Some(now) = tracking::after_scan(was, status, occurred_at) else {
            return Ok(false);
        };
        let first_delivery =
            now.status == ShipmentStatus::Delivered && shipment.delivered_at.is_none();
        let delivered_at = first_delivery.then(Utc::now);
        if !store::move_standing(txn, shipment.id, was, now, delivered_at).await? {
            // Another scan moved it first: this one stays in the timeline only.
            return Ok(false);
        }
        if !first_delivery {
            return Ok(false);
        }
        // After the lock, so of two shipments delivered at once the later sees the other.
        store::lock_fulfilment(txn, shipment.order_id, shipment.customer_id, 0).await?;
        let fulfilment = store::fulfilment(txn, shipment.order_id).await?;
        let siblings = store::shipments_of_orders(txn, &[shipment.order_id]).await?;
        let all_delivered = siblings
            .iter()
            .all(|s| s.id == shipment.id || s.delivered_at.is_some());
        let ids: Vec<Uuid> = siblings.iter().map(|s| s.id).collect();
        let all_lines = store::lines_of(txn, &ids).await?;
        let units: i64 = all_lines.iter().map(|l| i64::from(l.quantity)).sum();
        let order_units = fulfilment.map_or(i64::MAX, |f| f.order_units);
        let delivered = events::ShipmentEvent {
            shipment_id: shipment.id,
            order_id: shipment.order_id,
            customer_id: shipment.customer_id,
            lines: all_lines
                .iter()
                .filter(|l| l.shipment_id == shipment.id)
                .map(shipped_line)
                .collect(),
            order_complete: all_delivered && units >= order_units,
        };
        self.outbox
            .enqueue(txn, events::DELIVERED, &delivered)
            .await?;
        Ok(true)
    }
}
