//! Making a shipment. Its lines are held first (so two admins cannot ship the same units),
//! then the carrier sells the label and orders accepts the shipment — the step that stops
//! the order being cancelled once goods have left; only then does the shipment count. A
//! shipment left pending by a crash or an unreachable service is settled by the sweeper
//! through the same steps, each of which is safe to repeat.

use std::collections::HashMap;

use chrono::Utc;
use micromall_kit::contracts::{catalog, orders, shipping as events};
use micromall_kit::db::begin_write;
use micromall_kit::internal::CallError;
use micromall_kit::outcome::Verdict;
use micromall_kit::{ApiError, DomainError, refuse};
use sea_orm::DbErr;
use uuid::Uuid;

use super::Shipping;
use crate::carrier::LabelRequest;
use crate::entity::shipment::{self, ShipmentState};
use crate::entity::shipment_line;
use crate::refusal::Refusal;
use crate::rules::ShipmentStatus;
use crate::rules::shipments::{self as rule, Asked};
use crate::store;

/// How many stuck shipments one sweep settles.
const SWEEP_BATCH: u64 = 50;

/// `createShipment` as the admin sent it.
pub struct ShipRequest<'a> {
    pub order_id: &'a str,
    pub carrier: &'a str,
    /// `None`: everything that remains.
    pub lines: Option<Vec<Asked>>,
}

type Made = Result<shipment::Model, DomainError<Refusal>>;

impl Shipping {
    /// `createShipment`: ships the asked lines of a paid order, or all that remain.
    pub async fn create_shipment(&self, request: ShipRequest<'_>) -> Made {
        if self.carrier(request.carrier).is_none() {
            return refuse(Refusal::UnknownCarrier(request.carrier.to_owned()));
        }
        let Ok(order_id) = Uuid::parse_str(request.order_id) else {
            return refuse(Refusal::NotFound);
        };
        let facts = self.order_facts(order_id).await?;
        if !matches!(facts.status.as_str(), "PAID" | "PARTIALLY_SHIPPED") {
            return refuse(Refusal::OrderNotShippable(facts.status));
        }
        let products = self.products_of(&facts).await?;
        let units: i64 = facts.lines.iter().map(|l| l.quantity).sum();
        let now = micromall_kit::db::as_stored(Utc::now());
        let id = Uuid::now_v7();

        let txn = begin_write(&self.db).await?;
        store::lock_fulfilment(&txn, order_id, facts.customer_id, units).await?;
        let shipped = store::shipped_by_line(&txn, order_id).await?;
        let takes = rule::to_ship(&facts.lines, &shipped, request.lines.as_deref()).or_refuse()?;
        let pending = shipment::Model {
            id,
            order_id,
            customer_id: facts.customer_id,
            carrier: request.carrier.to_owned(),
            tracking_number: format!("pending:{id}"),
            label_url: None,
            status: ShipmentStatus::LabelCreated.as_str().to_owned(),
            // No scan has set it: any scan may move it, even one stamped before this moment
            // by a carrier's clock.
            status_at: chrono::DateTime::UNIX_EPOCH,
            progress: 0,
            state: ShipmentState::Pending.as_str().to_owned(),
            estimated_delivery: None,
            delivered_at: None,
            created_at: now,
            updated_at: now,
        };
        let lines = takes
            .iter()
            .map(|take| shipment_line::Model {
                shipment_id: id,
                order_line_id: take.order_line_id,
                variant_id: take.variant_id,
                product_id: products
                    .get(&take.variant_id)
                    .map_or(Uuid::nil(), |(product, _)| *product),
                sku: take.sku.clone(),
                quantity: i32::try_from(take.quantity).unwrap_or(i32::MAX),
            })
            .collect();
        store::insert_shipment(&txn, pending.clone(), lines).await?;
        txn.commit().await?;

        let weight = takes
            .iter()
            .map(|t| products.get(&t.variant_id).map_or(0, |(_, g)| *g) * t.quantity)
            .sum();
        self.settle(pending, &facts, weight).await
    }

    /// Buys the label, has orders accept the shipment, and confirms it with its event; a
    /// refusal voids it. Left pending (for the sweeper) when a service cannot be reached.
    async fn settle(
        &self,
        pending: shipment::Model,
        facts: &orders::OrderFacts,
        weight_grams: i64,
    ) -> Made {
        let Some(carrier) = self.carrier(&pending.carrier).cloned() else {
            self.void(pending.id).await?;
            return refuse(Refusal::UnknownCarrier(pending.carrier));
        };
        let label = carrier
            .create_label(LabelRequest {
                shipment_id: pending.id,
                country: facts.country.clone(),
                weight_grams,
            })
            .await;
        let label = match label {
            Ok(label) => label,
            Err(err) => {
                tracing::warn!(shipment = %pending.id, error = %err, "no label; shipment voided");
                self.void(pending.id).await?;
                return refuse(Refusal::CarrierUnavailable);
            }
        };
        let shipped = store::shipped_by_line(&self.db, pending.order_id).await?;
        let all_shipped = rule::all_shipped(&facts.lines, &shipped, &[]);
        let accepted: Result<orders::OrderFacts, CallError> = self
            .services
            .call(
                orders::SERVICE,
                orders::SHIP,
                &orders::ShipRequest {
                    order_id: pending.order_id,
                    shipment_id: pending.id,
                    all_shipped,
                },
            )
            .await;
        match accepted {
            Ok(_) => {}
            Err(CallError::Refused { refusal, .. }) if refusal.code == orders::INVALID_STATE => {
                self.void(pending.id).await?;
                let status = self
                    .order_facts(pending.order_id)
                    .await
                    .map(|f| f.status)
                    .unwrap_or_default();
                return refuse(Refusal::OrderNotShippable(status));
            }
            Err(err) => return Err(ApiError::internal(err).into()),
        }

        let lines = store::lines_of(&self.db, &[pending.id]).await?;
        let txn = begin_write(&self.db).await?;
        let confirmed =
            store::settle(&txn, pending.id, ShipmentState::Confirmed, Some(&label)).await?;
        if confirmed {
            let created = events::ShipmentEvent {
                shipment_id: pending.id,
                order_id: pending.order_id,
                customer_id: pending.customer_id,
                lines: lines.iter().map(shipped_line).collect(),
                order_complete: all_shipped,
            };
            self.outbox.enqueue(&txn, events::CREATED, &created).await?;
        }
        txn.commit().await?;
        if confirmed {
            self.outbox.wake();
        }
        store::shipment(&self.db, pending.id)
            .await?
            .ok_or_else(|| anyhow::anyhow!("shipment {} vanished", pending.id).into())
    }

    async fn void(&self, id: Uuid) -> Result<(), DbErr> {
        let txn = begin_write(&self.db).await?;
        store::settle(&txn, id, ShipmentState::Void, None).await?;
        txn.commit().await
    }

    /// Settles shipments left pending for over a minute (a crash, or orders unreachable
    /// when they were made). Returns how many were settled.
    pub async fn settle_stuck(&self) -> Result<usize, DbErr> {
        let before = Utc::now() - chrono::TimeDelta::minutes(1);
        let stuck = store::stuck_shipments(&self.db, before, SWEEP_BATCH).await?;
        let mut settled = 0;
        for pending in stuck {
            let id = pending.id;
            let outcome = async {
                let facts = self.order_facts(pending.order_id).await?;
                let products = self.products_of(&facts).await?;
                let weight = store::lines_of(&self.db, &[id])
                    .await?
                    .iter()
                    .map(|l| {
                        products.get(&l.variant_id).map_or(0, |(_, g)| *g) * i64::from(l.quantity)
                    })
                    .sum();
                self.settle(pending, &facts, weight).await
            }
            .await;
            match outcome {
                Ok(_) | Err(DomainError::Refused(_)) => settled += 1,
                Err(DomainError::Failed(err)) => {
                    tracing::warn!(shipment = %id, error = ?err, "pending shipment not settled; will retry")
                }
            }
        }
        Ok(settled)
    }

    /// What orders says of an order; `NotFound` when it knows none.
    async fn order_facts(
        &self,
        order_id: Uuid,
    ) -> Result<orders::OrderFacts, DomainError<Refusal>> {
        let facts: Result<orders::OrderFacts, CallError> = self
            .services
            .call(
                orders::SERVICE,
                orders::ORDER,
                &orders::OrderRequest { order_id },
            )
            .await;
        match facts {
            Ok(facts) => Ok(facts),
            Err(CallError::Refused { .. }) => refuse(Refusal::NotFound),
            Err(err) => Err(ApiError::internal(err).into()),
        }
    }

    /// Each ordered variant's product and weight (grams; 0 when unknown), from catalog.
    async fn products_of(
        &self,
        facts: &orders::OrderFacts,
    ) -> Result<HashMap<Uuid, (Uuid, i64)>, DomainError<Refusal>> {
        let known: catalog::VariantsResponse = self
            .services
            .call(
                catalog::SERVICE,
                catalog::VARIANTS,
                &catalog::VariantsRequest {
                    ids: facts.lines.iter().map(|l| l.variant_id).collect(),
                },
            )
            .await
            .map_err(ApiError::internal)?;
        Ok(known
            .variants
            .into_iter()
            .map(|v| (v.id, (v.product_id, i64::from(v.weight_grams.unwrap_or(0)))))
            .collect())
    }
}

pub(super) fn shipped_line(line: &shipment_line::Model) -> events::ShippedLine {
    events::ShippedLine {
        order_line_id: line.order_line_id,
        variant_id: line.variant_id,
        product_id: line.product_id,
        sku: line.sku.clone(),
        quantity: i64::from(line.quantity),
    }
}
