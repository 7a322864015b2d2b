//! Orders' rules as pure functions and tables: who sees an order, what a cart costs, when
//! payment is due; shipping addresses (`address`) and the order state machine (`status`).

mod address;
mod status;

use std::time::Duration;

use chrono::{DateTime, Utc};
use micromall_kit::auth::Viewer;
use micromall_kit::contracts::{catalog, inventory};
use micromall_kit::money::round_to_currency;
use rust_decimal::Decimal;

pub use address::{Address, AddressField, MAX_TEXT};
pub use status::OrderStatus;

use crate::entity::order;
use crate::refusal::Refusal;

/// The scope that sees and cancels every order.
pub const MANAGE: &str = "orders:manage";

/// An order the viewer may see: their own, or any with `orders:manage`.
pub fn may_see(viewer: &Viewer, order: &order::Model) -> bool {
    viewer.user_id == Some(order.customer_id) || viewer.has_scope(MANAGE)
}

/// A cart line at the price it is sold for.
pub struct PricedLine {
    pub facts: catalog::VariantFacts,
    pub quantity: i64,
    pub unit_price: Decimal,
    /// Unit price × quantity, before discounts.
    pub line_total: Decimal,
    /// What promotions and the coupon take off this line.
    pub discount: Decimal,
}

/// Prices the cart's lines at what catalog `offered`, rounded to the shop's currency; a
/// variant no longer sold refuses the checkout, naming every such variant.
pub fn price(
    cart_lines: &[inventory::Line],
    offered: &[catalog::VariantFacts],
    currency: &str,
) -> Result<Vec<PricedLine>, Refusal> {
    let mut lines = Vec::with_capacity(cart_lines.len());
    let mut unsold = Vec::new();
    for line in cart_lines {
        let facts = offered
            .iter()
            .find(|v| v.id == line.variant_id && v.purchasable);
        match facts {
            Some(facts) => {
                let unit_price = round_to_currency(facts.price, currency);
                lines.push(PricedLine {
                    facts: facts.clone(),
                    quantity: line.quantity,
                    unit_price,
                    line_total: round_to_currency(
                        unit_price * Decimal::from(line.quantity),
                        currency,
                    ),
                    discount: Decimal::ZERO,
                });
            }
            None => unsold.push(line.variant_id),
        }
    }
    if unsold.is_empty() {
        Ok(lines)
    } else {
        Err(Refusal::Several(
            unsold.into_iter().map(Refusal::NoLongerSold).collect(),
        ))
    }
}

/// What an order costs.
pub struct Totals {
    pub subtotal: Decimal,
    pub discount: Decimal,
    pub shipping_cost: Decimal,
    pub total: Decimal,
}

/// What the lines cost, less their discounts and `shipping_discount`, with delivery at
/// `shipping_cost` (from shipping's quote).
pub fn totals(lines: &[PricedLine], shipping_cost: Decimal, shipping_discount: Decimal) -> Totals {
    let subtotal: Decimal = lines.iter().map(|l| l.line_total).sum();
    let discount = lines
        .iter()
        .map(|l| l.discount.min(l.line_total))
        .sum::<Decimal>()
        + shipping_discount.min(shipping_cost);
    Totals {
        subtotal,
        discount,
        shipping_cost,
        total: subtotal - discount + shipping_cost,
    }
}

/// The parcel's weight: each line's known variant weight times its quantity (a variant the
/// shop gave no weight counts as nothing).
pub fn weight_grams(lines: &[PricedLine]) -> i64 {
    lines
        .iter()
        .map(|l| i64::from(l.facts.weight_grams.unwrap_or(0).max(0)) * l.quantity)
        .sum()
}

/// When an order placed at `placed` arrives at the latest, `max_days` later.
pub fn delivery_by(placed: DateTime<Utc>, max_days: i32) -> Option<DateTime<Utc>> {
    placed
        .checked_add_signed(chrono::TimeDelta::try_days(i64::from(max_days.max(0)))?)
        .map(as_stored)
}

/// The line's name as a customer reads it, e.g. "Teapot (Standard)".
pub fn line_name(lines: &[PricedLine], variant: &str) -> Option<String> {
    lines
        .iter()
        .find(|l| l.facts.id.to_string() == variant)
        .map(|l| format!("{} ({})", l.facts.product_name, l.facts.name))
}

/// An instant as the database keeps it: PostgreSQL stores microseconds, so an order is
/// written with instants cut to them and checkout answers what a later read returns.
pub fn as_stored(at: DateTime<Utc>) -> DateTime<Utc> {
    micromall_kit::db::as_stored(at)
}

/// When an order placed at `placed` is cancelled if unpaid; `None` if out of range.
pub fn payment_due(placed: DateTime<Utc>, timeout: Duration) -> Option<DateTime<Utc>> {
    let timeout = chrono::TimeDelta::from_std(timeout).ok()?;
    placed.checked_add_signed(timeout).map(as_stored)
}

#[cfg(test)]
mod tests {
    use super::*;
    use micromall_kit::DomainRefusal;
    use uuid::Uuid;

    fn offered(price: &str, purchasable: bool) -> catalog::VariantFacts {
        catalog::VariantFacts {
            id: Uuid::now_v7(),
            sku: "SKU-1".into(),
            name: "Standard".into(),
            product_id: Uuid::now_v7(),
            product_name: "Teapot".into(),
            price: price.parse().unwrap(),
            currency: "USD".into(),
            purchasable,
            weight_grams: None,
            category_ids: Vec::new(),
        }
    }

    fn line(facts: &catalog::VariantFacts, quantity: i64) -> inventory::Line {
        inventory::Line {
            variant_id: facts.id,
            quantity,
        }
    }

    #[test]
    fn lines_are_priced_in_the_shop_currency_and_totalled() {
        let pot = offered("35.006", true);
        let cup = offered("4.50", true);
        let lines = price(
            &[line(&pot, 2), line(&cup, 3)],
            &[cup.clone(), pot.clone()],
            "USD",
        )
        .unwrap();
        let priced: Vec<String> = lines.iter().map(|l| l.line_total.to_string()).collect();
        assert_eq!(priced, ["70.02", "13.50"]);
        assert_eq!(
            totals(&lines, Decimal::ZERO, Decimal::ZERO)
                .total
                .to_string(),
            "83.52"
        );
        let shipped = totals(&lines, "4.99".parse().unwrap(), Decimal::ZERO);
        assert_eq!(shipped.total.to_string(), "88.51");
        // Free delivery takes the shipping cost off again; a line's discount is capped.
        let mut lines = lines;
        lines[1].discount = "20".parse().unwrap();
        let free = totals(&lines, "4.99".parse().unwrap(), "4.99".parse().unwrap());
        assert_eq!(free.discount.to_string(), "18.49");
        assert_eq!(free.total.to_string(), "70.02");
        assert_eq!(
            line_name(&lines, &pot.id.to_string()).as_deref(),
            Some("Teapot (Standard)")
        );
    }

    #[test]
    fn every_variant_no_longer_sold_is_named() {
        let archived = offered("10.00", false);
        let sold = offered("10.00", true);
        let gone = Uuid::now_v7();
        let missing = inventory::Line {
            variant_id: gone,
            quantity: 1,
        };
        let refused = price(
            &[line(&archived, 1), line(&sold, 1), missing],
            &[archived.clone(), sold],
            "USD",
        )
        .err()
        .expect("refused");
        let fields: Vec<Vec<String>> = refused
            .user_errors()
            .into_iter()
            .map(|e| e.field.unwrap())
            .collect();
        assert_eq!(
            fields,
            [
                vec!["variantId".to_owned(), archived.id.to_string()],
                vec!["variantId".to_owned(), gone.to_string()],
            ]
        );
    }

    #[test]
    fn payment_is_due_at_an_instant_the_database_keeps_exactly() {
        let placed: DateTime<Utc> = "2026-12-01T10:00:00.123456789Z".parse().unwrap();
        let due = payment_due(placed, Duration::from_millis(1_500)).unwrap();
        assert_eq!(due.to_rfc3339(), "2026-12-01T10:00:01.623456+00:00");
        assert_eq!(as_stored(due), due);
        assert_eq!(payment_due(placed, Duration::MAX), None);
    }
}
