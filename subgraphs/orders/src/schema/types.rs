//! The orders types of the API contract.

use async_graphql::dataloader::DataLoader;
use async_graphql::{Context, ID, InputObject, Object, Result, SimpleObject};
use chrono::{DateTime, Utc};
use micromall_kit::contracts::marketing;
use micromall_kit::graphql::{
    by_first, edges_and_nodes, list_size, paged_complexity, service, viewer,
};
use micromall_kit::money::Money;
use micromall_kit::pagination::{Page, PageRequest, build_page};
use micromall_kit::{ApiError, payload};
use uuid::Uuid;

use super::loaders::{HistoryOfOrder, LinesOfOrder};
use crate::entity::{order, order_line, transition};
use crate::rules::{Address, MANAGE, OrderStatus};
use crate::service::Orders;

pub struct Order(pub order::Model);

impl Order {
    fn money(&self, amount: rust_decimal::Decimal) -> Money {
        Money::new(amount, &self.0.currency)
    }
}

#[Object]
impl Order {
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }

    /// Human-facing and unique, e.g. "MM-000123".
    async fn number(&self) -> &str {
        &self.0.number
    }

    async fn status(&self) -> OrderStatus {
        OrderStatus::parse(&self.0.status).unwrap_or(OrderStatus::PendingPayment)
    }

    async fn customer(&self) -> User {
        User {
            id: self.0.customer_id,
        }
    }

    async fn lines(&self, ctx: &Context<'_>) -> Result<Vec<OrderLine>> {
        let lines = ctx
            .data_unchecked::<DataLoader<LinesOfOrder>>()
            .load_one(self.0.id)
            .await?
            .unwrap_or_default();
        Ok(lines
            .into_iter()
            .map(|line| OrderLine {
                line,
                currency: self.0.currency.clone(),
            })
            .collect())
    }

    async fn subtotal(&self) -> Money {
        self.money(self.0.subtotal)
    }

    async fn discount(&self) -> Money {
        self.money(self.0.discount)
    }

    async fn shipping_cost(&self) -> Money {
        self.money(self.0.shipping_cost)
    }

    async fn total(&self) -> Money {
        self.money(self.0.total)
    }

    /// The latest delivery the shipping method chosen at checkout promised.
    async fn estimated_delivery(&self) -> Option<DateTime<Utc>> {
        self.0.estimated_delivery
    }

    /// What was discounted at checkout, by source (`coupon` or `promotion:<name>`), fixed
    /// from then on; delivery made free is one of them.
    async fn discounts(&self) -> Result<Vec<Discount>> {
        let parts: Vec<marketing::DiscountPart> =
            serde_json::from_value(self.0.discounts.clone()).map_err(ApiError::internal)?;
        Ok(parts
            .into_iter()
            .map(|p| Discount {
                source: p.source,
                code: p.code,
                amount: self.money(p.amount),
            })
            .collect())
    }

    async fn shipping_address(&self) -> Result<Address> {
        serde_json::from_value(self.0.shipping_address.clone())
            .map_err(|e| ApiError::internal(e).into())
    }

    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }

    /// When an unpaid order is cancelled if no payment arrives.
    async fn payment_due_at(&self) -> Option<DateTime<Utc>> {
        (self.0.status == OrderStatus::PendingPayment.as_str()).then_some(self.0.payment_due_at)
    }

    /// Every status the order went through, oldest first, with when and why.
    async fn status_history(&self, ctx: &Context<'_>) -> Result<Vec<OrderStatusChange>> {
        let steps = ctx
            .data_unchecked::<DataLoader<HistoryOfOrder>>()
            .load_one(self.0.id)
            .await?
            .unwrap_or_default();
        Ok(steps.into_iter().map(OrderStatusChange).collect())
    }
}

pub struct OrderLine {
    line: order_line::Model,
    currency: String,
}

#[Object]
impl OrderLine {
    async fn id(&self) -> ID {
        ID(self.line.id.to_string())
    }

    async fn variant(&self) -> ProductVariant {
        ProductVariant {
            id: ID(self.line.variant_id.to_string()),
        }
    }

    /// The product's name when it was bought.
    async fn product_name(&self) -> &str {
        &self.line.product_name
    }

    /// The variant's name when it was bought.
    async fn variant_name(&self) -> &str {
        &self.line.variant_name
    }

    async fn sku(&self) -> &str {
        &self.line.sku
    }

    async fn quantity(&self) -> i32 {
        self.line.quantity
    }

    async fn unit_price(&self) -> Money {
        Money::new(self.line.unit_price, &self.currency)
    }

    /// This line's share of the order's discounts.
    async fn discount(&self) -> Money {
        Money::new(self.line.discount, &self.currency)
    }

    /// What the line cost: unit price × quantity, less its discount.
    async fn line_total(&self) -> Money {
        Money::new(self.line.line_total, &self.currency)
    }
}

/// One source's part of an order's discount.
#[derive(SimpleObject)]
pub struct Discount {
    /// `coupon` or `promotion:<name>`.
    pub source: String,
    /// The coupon's code, for a coupon.
    pub code: Option<String>,
    pub amount: Money,
}

pub struct OrderStatusChange(transition::Model);

#[Object]
impl OrderStatusChange {
    async fn from(&self) -> Option<OrderStatus> {
        self.0.from_status.as_deref().and_then(OrderStatus::parse)
    }

    async fn to(&self) -> OrderStatus {
        OrderStatus::parse(&self.0.to_status).unwrap_or(OrderStatus::PendingPayment)
    }

    /// Why it happened, e.g. "payment timeout".
    async fn cause(&self) -> &str {
        &self.0.cause
    }

    async fn occurred_at(&self) -> DateTime<Utc> {
        self.0.occurred_at
    }
}

/// A variant, completed by catalog through the router.
#[derive(SimpleObject)]
#[graphql(unresolvable = "id")]
pub struct ProductVariant {
    pub id: ID,
}

/// Users, to which orders adds their order history.
pub struct User {
    pub id: Uuid,
}

#[Object]
impl User {
    async fn id(&self) -> ID {
        ID(self.id.to_string())
    }

    /// Newest first. The user themself, or `orders:manage`; others get FORBIDDEN.
    #[graphql(
        directive = list_size::apply(None, by_first(), edges_and_nodes()),
        complexity = "paged_complexity(first, child_complexity)"
    )]
    async fn orders(
        &self,
        ctx: &Context<'_>,
        #[graphql(default = 20)] first: Option<i32>,
        after: Option<String>,
    ) -> Result<Page<Order>> {
        let viewer = viewer(ctx);
        if viewer.user_id.is_none() {
            return Err(ApiError::unauthenticated().into());
        }
        if !viewer.is_self_or(self.id, MANAGE) {
            return Err(ApiError::forbidden().into());
        }
        order_page(ctx, Some(self.id), None, first, after).await
    }
}

#[derive(InputObject)]
pub struct CheckoutInput {
    pub shipping_address: Address,
    /// The same key with the same input returns the first result (kept at least 24 hours).
    pub idempotency_key: String,
    /// One of `shippingMethods` for the address; the cheapest that applies when absent.
    pub shipping_method_id: Option<ID>,
}

payload!(
    /// codes: EMPTY_CART, OUT_OF_STOCK (field names the variant), INVALID_ADDRESS,
    /// IDEMPOTENCY_CONFLICT, SHIPPING_METHOD_UNAVAILABLE, TOO_MANY_PENDING_ORDERS (the customer already has as many orders
    /// awaiting payment as allowed: nothing is held and the cart is kept; pay or cancel one)
    CheckoutPayload,
    order: Order
);

payload!(OrderPayload, order: Order);

/// A page of orders, newest first: one customer's or everyone's, optionally in one status.
pub async fn order_page(
    ctx: &Context<'_>,
    customer: Option<Uuid>,
    status: Option<OrderStatus>,
    first: Option<i32>,
    after: Option<String>,
) -> Result<Page<Order>> {
    let page = PageRequest::parse(first, after)?;
    let (rows, total) = service::<Orders>(ctx)?
        .page(customer, status, &page)
        .await?;
    Ok(build_page(&page, rows, total, |o| o.id.to_string(), Order))
}
