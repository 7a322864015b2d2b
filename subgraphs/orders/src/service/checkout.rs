//! Checkout: a cart becomes an order awaiting payment, exactly once.
//!
//! The steps cross three other domains, so each guards against repeats and races on its own:
//! the idempotency key is claimed first (a repeat waits for and returns the first result);
//! inventory holds stock for the order id atomically (all lines or none); and the order row
//! is unique per cart version, so two checkouts of one cart cannot both create an order.
//! The cart's coupon is priced by marketing and one of its uses held for the order (the
//! last use goes to exactly one of any number of racing checkouts). A step that fails after
//! stock or a coupon use was held gives them back.

use chrono::{DateTime, Utc};
use micromall_kit::contracts::{cart, catalog, inventory, marketing, orders as events, shipping};
use micromall_kit::db::begin_write;
use micromall_kit::idempotency::{self, KeyUse, once};
use micromall_kit::internal::CallError;
use micromall_kit::outcome::Verdict;
use micromall_kit::{ApiError, DomainError, refuse};
use uuid::Uuid;

use super::Orders;
use crate::entity::order;
use crate::refusal::Refusal;
use crate::rules::{self, Address, OrderStatus, PricedLine};
use crate::store;

/// The idempotency scope of checkout.
const OPERATION: &str = "checkout";
/// Inventory lets a hold lapse on its own this long after the payment deadline, in case the
/// order's cancellation never reaches it.
const HOLD_GRACE: chrono::TimeDelta = chrono::TimeDelta::minutes(5);
/// A checkout's claim under the cap on unpaid orders lapses after this: far longer than a
/// checkout runs (each internal call times out in 10 s), so only a crashed one's lapses.
const CLAIM_LIFETIME: chrono::TimeDelta = chrono::TimeDelta::minutes(2);

type Placed = Result<order::Model, DomainError<Refusal>>;

/// What the customer asked for at checkout.
#[derive(serde::Serialize)]
pub struct CheckoutRequest {
    pub address: Address,
    /// The shipping method chosen (as sent); the cheapest that applies when absent.
    pub shipping_method_id: Option<String>,
}

/// A checkout that has a place under the cap on unpaid orders.
struct Placing<'a> {
    customer: Uuid,
    address: &'a Address,
    delivery: &'a shipping::Quote,
    key: &'a KeyUse<'a>,
    snapshot: &'a cart::CartSnapshot,
    cart_id: Uuid,
    lines: &'a [PricedLine],
    discounts: &'a marketing::Discounts,
    order_id: Uuid,
    /// As stored (see `rules::as_stored`).
    now: DateTime<Utc>,
}

impl Orders {
    /// `checkout`: the customer's cart, repriced, becomes an order awaiting payment.
    pub async fn checkout(
        &self,
        customer: Uuid,
        request: CheckoutRequest,
        idempotency_key: &str,
    ) -> Placed {
        let request = match request.address.validated() {
            Ok(address) => CheckoutRequest {
                address,
                shipping_method_id: request.shipping_method_id,
            },
            Err(refusal) => {
                // Still refuse a malformed key first: it is a malformed request.
                KeyUse::new(customer, OPERATION, idempotency_key, &())?;
                return refuse(refusal);
            }
        };
        let key = KeyUse::new(customer, OPERATION, idempotency_key, &request)?;
        once(
            &self.db,
            &key,
            || Refusal::IdempotencyConflict,
            |order_id| self.placed_before(order_id),
            || self.place(customer, &request, &key),
        )
        .await
    }

    /// The order a checkout with the same key made.
    async fn placed_before(&self, order_id: Uuid) -> Placed {
        let order = store::order_by_id(&self.db, order_id).await?;
        Ok(order.ok_or_else(|| anyhow::anyhow!("a checkout key names a missing order"))?)
    }

    async fn place(&self, customer: Uuid, request: &CheckoutRequest, key: &KeyUse<'_>) -> Placed {
        let address = &request.address;
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
            return refuse(Refusal::EmptyCart);
        };
        let mut lines = self.price(&snapshot.lines).await?;
        let discounts = self
            .discounts(customer, &mut lines, snapshot.coupon_code.clone())
            .await?;
        let delivery = self
            .delivery(address, &lines, request.shipping_method_id.as_deref())
            .await?;
        // The cap on unpaid orders is checked, and a place under it claimed, before any
        // stock is held: a refused checkout holds nothing and keeps the cart.
        let order_id = Uuid::now_v7();
        let now = rules::as_stored(Utc::now());
        let cap = self.max_pending_per_customer;
        if !store::claim_checkout(&self.db, customer, order_id, cap, now, now - CLAIM_LIFETIME)
            .await?
        {
            return refuse(Refusal::TooManyPendingOrders { cap });
        }
        let placed = self
            .hold_and_record(Placing {
                customer,
                address,
                delivery: &delivery,
                key,
                snapshot: &snapshot,
                cart_id,
                lines: &lines,
                discounts: &discounts,
                order_id,
                now,
            })
            .await;
        if placed.is_err() {
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
    async fn hold_and_record(&self, checkout: Placing<'_>) -> Placed {
        let Placing {
            customer,
            snapshot,
            cart_id,
            order_id,
            now,
            ..
        } = checkout;
        let (shipping_discount, parts) = discount_parts(checkout.discounts, checkout.delivery);
        let totals = rules::totals(checkout.lines, checkout.delivery.price, shipping_discount);
        let payment_due_at = rules::payment_due(now, self.payment_timeout)
            .ok_or_else(|| anyhow::anyhow!("the payment timeout is too long"))?;
        self.hold(&checkout, payment_due_at).await?;
        if let Err(err) = self.hold_coupon(&checkout).await {
            self.release(order_id, "the coupon could not be used").await;
            return Err(err);
        }

        let new_order = order::Model {
            id: order_id,
            number: String::new(),
            customer_id: customer,
            status: OrderStatus::PendingPayment.as_str().to_owned(),
            currency: self.currency.clone(),
            subtotal: totals.subtotal,
            discount: totals.discount,
            shipping_cost: totals.shipping_cost,
            total: totals.total,
            shipping_address: serde_json::to_value(checkout.address).map_err(ApiError::internal)?,
            shipping_method_id: checkout.delivery.method_id,
            shipping_method_name: Some(checkout.delivery.name.clone()),
            estimated_delivery: checkout
                .delivery
                .method_id
                .and_then(|_| rules::delivery_by(now, checkout.delivery.max_delivery_days)),
            coupon_code: checkout.discounts.coupon_code.clone(),
            discounts: serde_json::to_value(&parts).map_err(ApiError::internal)?,
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
            total: totals.total,
            currency: self.currency.clone(),
            items: checkout
                .lines
                .iter()
                .map(|l| events::PlacedItem {
                    variant_id: l.facts.id,
                    product_id: l.facts.product_id,
                    category_ids: l.facts.category_ids.clone(),
                    quantity: l.quantity,
                    unit_price: l.unit_price,
                    discount: l.discount,
                })
                .collect(),
            subtotal: totals.subtotal,
            discount: totals.discount,
            shipping_cost: totals.shipping_cost,
            coupon_code: checkout.discounts.coupon_code.clone(),
        };
        match self.record(new_order, &checkout, &placed).await {
            Ok(order) => {
                self.outbox.wake();
                self.clear_cart(cart_id, snapshot.version).await;
                Ok(order)
            }
            Err(err) => {
                let reason = match err.refusal() {
                    Some(Refusal::CartJustCheckedOut) => {
                        "the cart was checked out by another request"
                    }
                    _ => "checkout failed",
                };
                self.release(order_id, reason).await;
                self.release_coupon(order_id).await;
                Err(err)
            }
        }
    }

    /// Reprices the cart's lines from catalog; a variant no longer sold ends the checkout.
    async fn price(
        &self,
        cart_lines: &[inventory::Line],
    ) -> Result<Vec<PricedLine>, DomainError<Refusal>> {
        let offered: catalog::VariantsResponse = self
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
        rules::price(cart_lines, &offered.variants, &self.currency).or_refuse()
    }

    /// What delivery costs, from shipping: the chosen method if it delivers to the address,
    /// else (none chosen) the cheapest that does.
    async fn delivery(
        &self,
        address: &Address,
        lines: &[PricedLine],
        method: Option<&str>,
    ) -> Result<shipping::Quote, DomainError<Refusal>> {
        let method_id = match method {
            Some(id) => match Uuid::parse_str(id) {
                Ok(id) => Some(id),
                Err(_) => return refuse(Refusal::ShippingMethodUnavailable),
            },
            None => None,
        };
        // Free-above thresholds look at what the goods cost after their discounts.
        let totals = rules::totals(
            lines,
            rust_decimal::Decimal::ZERO,
            rust_decimal::Decimal::ZERO,
        );
        let quoted: Result<shipping::Quote, CallError> = self
            .services
            .call(
                shipping::SERVICE,
                shipping::QUOTE,
                &shipping::QuoteRequest {
                    country: address.country.clone(),
                    subtotal: totals.subtotal - totals.discount,
                    weight_grams: rules::weight_grams(lines),
                    method_id,
                },
            )
            .await;
        match quoted {
            Ok(quote) => Ok(quote),
            Err(CallError::Refused { refusal, .. })
                if refusal.code == shipping::SHIPPING_METHOD_UNAVAILABLE =>
            {
                refuse(Refusal::ShippingMethodUnavailable)
            }
            Err(err) => Err(unavailable(err).into()),
        }
    }

    /// What marketing takes off the lines now (written onto them), with the cart's coupon;
    /// a coupon that no longer applies refuses the checkout before anything is held, and
    /// without marketing's answer there is no order (never one placed at the wrong price).
    async fn discounts(
        &self,
        customer: Uuid,
        lines: &mut [PricedLine],
        coupon_code: Option<String>,
    ) -> Result<marketing::Discounts, DomainError<Refusal>> {
        let asked_coupon = coupon_code.is_some();
        let discounts: marketing::Discounts = self
            .services
            .call(
                marketing::SERVICE,
                marketing::PRICE,
                &marketing::PriceRequest {
                    customer_id: Some(customer),
                    items: lines
                        .iter()
                        .map(|l| marketing::Item {
                            variant_id: l.facts.id,
                            product_id: l.facts.product_id,
                            category_ids: l.facts.category_ids.clone(),
                            unit_price: l.unit_price,
                            quantity: l.quantity,
                        })
                        .collect(),
                    coupon_code,
                },
            )
            .await
            .map_err(unavailable)?;
        if let Some(issue) = discounts.coupon_issue.as_ref().filter(|_| asked_coupon) {
            return refuse(Refusal::coupon(&issue.code, &issue.message));
        }
        for line in lines.iter_mut() {
            line.discount = discounts
                .lines
                .iter()
                .find(|d| d.variant_id == line.facts.id)
                .map_or(rust_decimal::Decimal::ZERO, |d| {
                    d.amount.min(line.line_total)
                });
        }
        Ok(discounts)
    }

    /// Holds one use of the cart's coupon for the order; refused when its last use went to
    /// another order meanwhile.
    async fn hold_coupon(&self, checkout: &Placing<'_>) -> Result<(), DomainError<Refusal>> {
        let Some(code) = &checkout.discounts.coupon_code else {
            return Ok(());
        };
        let held: Result<marketing::Held, CallError> = self
            .services
            .call(
                marketing::SERVICE,
                marketing::HOLD,
                &marketing::HoldRequest {
                    order_id: checkout.order_id,
                    customer_id: checkout.customer,
                    coupon_code: code.clone(),
                },
            )
            .await;
        match held {
            Ok(_) => Ok(()),
            Err(CallError::Refused { refusal, .. }) => {
                refuse(Refusal::coupon(&refusal.code, &refusal.message))
            }
            Err(err) => {
                // Marketing may have held the use before the answer was lost.
                self.release_coupon(checkout.order_id).await;
                Err(unavailable(err).into())
            }
        }
    }

    /// Gives a held coupon use back; if marketing cannot be reached, the order's cancellation
    /// event (or none: the order was never made) leaves it to be released by hand.
    async fn release_coupon(&self, order_id: Uuid) {
        let released: Result<marketing::Released, _> = self
            .services
            .call(
                marketing::SERVICE,
                marketing::RELEASE,
                &marketing::ReleaseRequest { order_id },
            )
            .await;
        if let Err(err) = released {
            tracing::warn!(error = %err, %order_id, "coupon use not released");
        }
    }

    /// Has inventory hold every line for the order until a while after payment is due; a
    /// shortage names the variant.
    async fn hold(
        &self,
        checkout: &Placing<'_>,
        payment_due_at: DateTime<Utc>,
    ) -> Result<(), DomainError<Refusal>> {
        let held: Result<inventory::ReserveResponse, CallError> = self
            .services
            .call(
                inventory::SERVICE,
                inventory::RESERVE,
                &inventory::ReserveRequest {
                    reservation_id: checkout.order_id,
                    lines: checkout.snapshot.lines.clone(),
                    expires_at: payment_due_at
                        .checked_add_signed(HOLD_GRACE)
                        .unwrap_or(payment_due_at),
                },
            )
            .await;
        match held {
            Ok(_) => Ok(()),
            Err(CallError::Refused { refusal, .. }) if refusal.code == inventory::OUT_OF_STOCK => {
                let variant = refusal.subject.unwrap_or_default();
                refuse(Refusal::OutOfStock {
                    name: rules::line_name(checkout.lines, &variant),
                    variant,
                })
            }
            Err(err) => {
                // Inventory may have held the stock before the answer was lost.
                self.release(checkout.order_id, "checkout failed").await;
                Err(unavailable(err).into())
            }
        }
    }

    /// Writes the order, its lines, its first transition, the key's result and the event in
    /// one transaction. Refused when another checkout already consumed this cart version.
    async fn record(
        &self,
        mut new_order: order::Model,
        checkout: &Placing<'_>,
        placed: &events::OrderPlaced,
    ) -> Placed {
        let txn = begin_write(&self.db).await?;
        new_order.number = store::next_order_number(&txn).await?;
        if !store::insert_order(&txn, &new_order, checkout.lines).await? {
            txn.rollback().await?;
            return refuse(Refusal::CartJustCheckedOut);
        }
        store::record_transition(
            &txn,
            new_order.id,
            None,
            OrderStatus::PendingPayment,
            "checkout",
            new_order.created_at,
        )
        .await?;
        idempotency::complete(&txn, checkout.key, new_order.id).await?;
        store::drop_claim(&txn, new_order.id).await?;
        self.outbox.enqueue(&txn, events::PLACED, placed).await?;
        txn.commit().await?;
        Ok(new_order)
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
    async fn release(&self, order_id: Uuid, reason: &str) {
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

/// What free delivery takes off (all of the quoted price) and the discount breakdown to keep
/// on the order: marketing's parts, and the delivery made free.
fn discount_parts(
    discounts: &marketing::Discounts,
    delivery: &shipping::Quote,
) -> (rust_decimal::Decimal, Vec<marketing::DiscountPart>) {
    let mut parts = discounts.parts.clone();
    let Some(free) = discounts
        .free_shipping
        .as_ref()
        .filter(|_| delivery.price > rust_decimal::Decimal::ZERO)
    else {
        return (rust_decimal::Decimal::ZERO, parts);
    };
    parts.push(marketing::DiscountPart {
        source: free.source.clone(),
        code: free.code.clone(),
        amount: delivery.price,
    });
    (delivery.price, parts)
}
