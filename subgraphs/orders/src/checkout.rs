//! Checkout: a cart becomes an order awaiting payment, exactly once.
//!
//! The steps cross three other domains, so each guards against repeats and races on its own:
//! the idempotency key is claimed first (a repeat waits for and returns the first result);
//! inventory holds stock for the order id atomically (all lines or none); and the order row
//! is unique per cart version, so two checkouts of one cart cannot both create an order.
//! A step that fails after stock was held gives the stock back.

use chrono::Utc;
use micromall_kit::contracts::{cart, catalog, inventory, orders as events};
use micromall_kit::db::{begin_write, is_unique_violation};
use micromall_kit::idempotency::{self, Claim, KeyUse};
use micromall_kit::internal::CallError;
use micromall_kit::money::round_to_currency;
use micromall_kit::{ApiError, ApiResult, UserError};
use rust_decimal::Decimal;
use sea_orm::{EntityTrait, Set};
use uuid::Uuid;

use crate::address::Address;
use crate::entity::{order, order_line};
use crate::service::{Orders, Outcome};
use crate::status::OrderStatus;
use crate::store;

/// The idempotency scope of checkout.
const OPERATION: &str = "checkout";
/// Inventory lets a hold lapse on its own this long after the payment deadline, in case the
/// order's cancellation never reaches it.
const HOLD_GRACE: chrono::TimeDelta = chrono::TimeDelta::minutes(5);
/// A checkout's claim under the cap on unpaid orders lapses after this: far longer than a
/// checkout runs (each internal call times out in 10 s), so only a crashed one's lapses.
const CLAIM_LIFETIME: chrono::TimeDelta = chrono::TimeDelta::minutes(2);

struct PricedLine {
    facts: catalog::VariantFacts,
    quantity: i64,
    unit_price: Decimal,
    line_total: Decimal,
}

impl Orders {
    pub async fn checkout(
        &self,
        customer: Uuid,
        address: Address,
        idempotency_key: &str,
    ) -> ApiResult<Outcome<order::Model>> {
        let address = match address.validated() {
            Ok(address) => address,
            Err(errors) => {
                // Still refuse a malformed key first: it is a malformed request.
                KeyUse::new(customer, OPERATION, idempotency_key, &())?;
                return Ok(Err(errors));
            }
        };
        let key = KeyUse::new(customer, OPERATION, idempotency_key, &address)?;
        match idempotency::claim(&self.db, &key).await? {
            Claim::Done(order_id) => {
                let order = store::order_by_id(&self.db, order_id)
                    .await?
                    .ok_or_else(|| {
                        ApiError::internal(anyhow::anyhow!("a checkout key names a missing order"))
                    })?;
                return Ok(Ok(order));
            }
            Claim::Conflict => {
                return Ok(Err(vec![
                    UserError::new(
                        "IDEMPOTENCY_CONFLICT",
                        "this idempotency key was used for a different checkout",
                    )
                    .at(&["input", "idempotencyKey"]),
                ]));
            }
            Claim::Fresh => {}
        }
        let placed = self.place(customer, &address, &key).await;
        if !matches!(placed, Ok(Ok(_))) {
            // Nothing was created: free the key so the customer can retry with it.
            idempotency::forget(&self.db, &key).await;
        }
        placed
    }

    async fn place(
        &self,
        customer: Uuid,
        address: &Address,
        key: &KeyUse<'_>,
    ) -> ApiResult<Outcome<order::Model>> {
        let snapshot: cart::CartSnapshot = self
            .services
            .call(
                cart::SERVICE,
                cart::SNAPSHOT,
                &cart::SnapshotRequest { user_id: customer },
            )
            .await
            .map_err(unavailable)?;
        let Some(cart_id) = snapshot.cart_id.filter(|_| !snapshot.lines.is_empty()) else {
            return Ok(Err(vec![UserError::new("EMPTY_CART", "the cart is empty")]));
        };
        let lines = match self.price(&snapshot.lines).await? {
            Ok(lines) => lines,
            Err(errors) => return Ok(Err(errors)),
        };
        // The cap on unpaid orders is checked, and a place under it claimed, before any
        // stock is held: a refused checkout holds nothing and keeps the cart.
        let order_id = Uuid::now_v7();
        let now = Utc::now();
        let claimed = store::claim_checkout(
            &self.db,
            customer,
            order_id,
            self.max_pending_per_customer,
            now,
            now - CLAIM_LIFETIME,
        )
        .await?;
        if !claimed {
            return Ok(Err(vec![UserError::new(
                "TOO_MANY_PENDING_ORDERS",
                format!(
                    "you already have {} orders awaiting payment: pay or cancel one first",
                    self.max_pending_per_customer
                ),
            )]));
        }
        let placed = self
            .hold_and_record(
                customer, address, key, &snapshot, cart_id, &lines, order_id, now,
            )
            .await;
        if !matches!(placed, Ok(Ok(_))) {
            // The order row replaces the claim when it is written; otherwise free the place
            // now (a claim left behind by a crash lapses after `CLAIM_LIFETIME`).
            if let Err(err) = store::drop_claim(&self.db, order_id).await {
                tracing::warn!(error = %err, %order_id, "checkout claim not dropped; it will lapse");
            }
        }
        placed
    }

    /// Holds the stock for the order and writes it: the part of checkout that runs once the
    /// customer has a place under the cap.
    #[allow(clippy::too_many_arguments)]
    async fn hold_and_record(
        &self,
        customer: Uuid,
        address: &Address,
        key: &KeyUse<'_>,
        snapshot: &cart::CartSnapshot,
        cart_id: Uuid,
        lines: &[PricedLine],
        order_id: Uuid,
        now: chrono::DateTime<Utc>,
    ) -> ApiResult<Outcome<order::Model>> {
        let subtotal: Decimal = lines.iter().map(|l| l.line_total).sum();
        let discount = Decimal::ZERO;
        // Shipping rates arrive with the shipping domain; until then delivery is free.
        let shipping_cost = Decimal::ZERO;
        let total = subtotal - discount + shipping_cost;

        let payment_due_at = chrono::TimeDelta::from_std(self.payment_timeout)
            .ok()
            .and_then(|timeout| now.checked_add_signed(timeout))
            .ok_or_else(|| {
                ApiError::internal(anyhow::anyhow!("the payment timeout is too long"))
            })?;
        let held: Result<inventory::ReserveResponse, CallError> = self
            .services
            .call(
                inventory::SERVICE,
                inventory::RESERVE,
                &inventory::ReserveRequest {
                    reservation_id: order_id,
                    lines: snapshot.lines.clone(),
                    expires_at: payment_due_at
                        .checked_add_signed(HOLD_GRACE)
                        .unwrap_or(payment_due_at),
                },
            )
            .await;
        match held {
            Ok(_) => {}
            Err(CallError::Refused { refusal, .. }) if refusal.code == inventory::OUT_OF_STOCK => {
                let variant = refusal.subject.unwrap_or_default();
                let name = lines
                    .iter()
                    .find(|l| l.facts.id.to_string() == variant)
                    .map(|l| format!("{} ({})", l.facts.product_name, l.facts.name))
                    .unwrap_or_else(|| "an item".into());
                return Ok(Err(vec![
                    UserError::new("OUT_OF_STOCK", format!("not enough of {name} is in stock"))
                        .at(&["variantId", &variant]),
                ]));
            }
            Err(err) => {
                // Inventory may have held the stock before the answer was lost.
                self.release(order_id, "checkout failed").await;
                return Err(unavailable(err));
            }
        }

        let new_order = order::Model {
            id: order_id,
            number: String::new(),
            customer_id: customer,
            status: OrderStatus::PendingPayment.as_str().to_owned(),
            currency: self.currency.clone(),
            subtotal,
            discount,
            shipping_cost,
            total,
            shipping_address: serde_json::to_value(address).map_err(ApiError::internal)?,
            cart_id,
            cart_version: snapshot.version,
            payment_due_at,
            created_at: now,
            updated_at: now,
        };
        let placed = events::OrderPlaced {
            order_id,
            customer_id: customer,
            cart_id,
            cart_version: snapshot.version,
            lines: snapshot.lines.clone(),
            total,
            currency: self.currency.clone(),
        };
        match self.insert_order(new_order, lines, key, &placed).await {
            Ok(Some(order)) => {
                self.outbox.wake();
                self.clear_cart(cart_id, snapshot.version).await;
                Ok(Ok(order))
            }
            Ok(None) => {
                self.release(order_id, "the cart was checked out by another request")
                    .await;
                Ok(Err(vec![UserError::new(
                    "EMPTY_CART",
                    "this cart has just been checked out",
                )]))
            }
            Err(err) => {
                self.release(order_id, "checkout failed").await;
                Err(err)
            }
        }
    }

    /// Reprices the cart's lines from catalog; a variant no longer sold ends the checkout.
    async fn price(&self, cart_lines: &[inventory::Line]) -> ApiResult<Outcome<Vec<PricedLine>>> {
        let answer: catalog::VariantsResponse = self
            .services
            .call(
                catalog::SERVICE,
                catalog::VARIANTS,
                &catalog::VariantsRequest {
                    ids: cart_lines.iter().map(|l| l.variant_id).collect(),
                },
            )
            .await
            .map_err(unavailable)?;
        let mut lines = Vec::with_capacity(cart_lines.len());
        let mut errors = Vec::new();
        for line in cart_lines {
            let facts = answer
                .variants
                .iter()
                .find(|v| v.id == line.variant_id && v.purchasable);
            match facts {
                Some(facts) => {
                    let unit_price = round_to_currency(facts.price, &self.currency);
                    lines.push(PricedLine {
                        facts: facts.clone(),
                        quantity: line.quantity,
                        unit_price,
                        line_total: round_to_currency(
                            unit_price * Decimal::from(line.quantity),
                            &self.currency,
                        ),
                    });
                }
                None => errors.push(
                    UserError::new("OUT_OF_STOCK", "an item in the cart is no longer sold")
                        .at(&["variantId", &line.variant_id.to_string()]),
                ),
            }
        }
        Ok(if errors.is_empty() {
            Ok(lines)
        } else {
            Err(errors)
        })
    }

    /// Writes the order, its lines, its first transition, the key's result and the event in
    /// one transaction. `None` when another checkout already consumed this cart version.
    async fn insert_order(
        &self,
        mut new_order: order::Model,
        lines: &[PricedLine],
        key: &KeyUse<'_>,
        placed: &events::OrderPlaced,
    ) -> ApiResult<Option<order::Model>> {
        let txn = begin_write(&self.db).await?;
        new_order.number = store::next_order_number(&txn).await?;
        let inserted = order::Entity::insert(order::ActiveModel::from(new_order.clone()))
            .exec_without_returning(&txn)
            .await;
        match inserted {
            Ok(_) => {}
            Err(err) if is_unique_violation(&err) => {
                txn.rollback().await?;
                return Ok(None);
            }
            Err(err) => return Err(err.into()),
        }
        let rows = lines
            .iter()
            .enumerate()
            .map(|(i, l)| order_line::ActiveModel {
                id: Set(Uuid::now_v7()),
                order_id: Set(new_order.id),
                position: Set(i as i32),
                variant_id: Set(l.facts.id),
                product_name: Set(l.facts.product_name.clone()),
                variant_name: Set(l.facts.name.clone()),
                sku: Set(l.facts.sku.clone()),
                quantity: Set(l.quantity as i32),
                unit_price: Set(l.unit_price),
                line_total: Set(l.line_total),
            });
        order_line::Entity::insert_many(rows)
            .exec_without_returning(&txn)
            .await?;
        store::record_transition(
            &txn,
            new_order.id,
            None,
            OrderStatus::PendingPayment,
            "checkout",
            new_order.created_at,
        )
        .await?;
        idempotency::complete(&txn, key, new_order.id).await?;
        store::drop_claim(&txn, new_order.id).await?;
        self.outbox.enqueue(&txn, events::PLACED, placed).await?;
        txn.commit().await?;
        Ok(Some(new_order))
    }

    /// Empties the checked-out cart now; the `orders.order.placed` event does it too, so a
    /// failure here only delays it.
    async fn clear_cart(&self, cart_id: Uuid, version: i64) {
        let cleared: Result<cart::ClearResponse, _> = self
            .services
            .call(
                cart::SERVICE,
                cart::CLEAR,
                &cart::ClearRequest { cart_id, version },
            )
            .await;
        if let Err(err) = cleared {
            tracing::warn!(error = %err, "cart not cleared at checkout; the order event will clear it");
        }
    }

    /// Gives held stock back; if inventory cannot be reached the hold lapses by itself.
    pub(crate) async fn release(&self, order_id: Uuid, reason: &str) {
        let released: Result<inventory::ReleaseResponse, _> = self
            .services
            .call(
                inventory::SERVICE,
                inventory::RELEASE,
                &inventory::ReleaseRequest {
                    reservation_id: order_id,
                    reason: reason.to_owned(),
                },
            )
            .await;
        if let Err(err) = released {
            tracing::warn!(error = %err, %order_id, "stock hold not released; it will lapse");
        }
    }
}

fn unavailable(err: CallError) -> ApiError {
    ApiError::internal(err)
}
