//! A cart as the customer sees it: lines priced with catalog's current prices, and totals.

use std::collections::HashMap;

use micromall_kit::contracts::catalog::VariantFacts;
use micromall_kit::money::Money;
use rust_decimal::Decimal;
use uuid::Uuid;

use crate::entity::{cart, cart_line};

#[derive(Debug, Clone, PartialEq)]
pub struct PricedLine {
    pub id: Uuid,
    pub variant_id: Uuid,
    pub quantity: i32,
    pub unit_price: Money,
    pub line_total: Money,
}

#[derive(Debug, Clone, PartialEq)]
pub struct PricedCart {
    pub id: Uuid,
    pub lines: Vec<PricedLine>,
    pub item_count: i32,
    pub subtotal: Money,
    pub discount: Money,
    pub total: Money,
    pub coupon_code: Option<String>,
}

/// Prices `lines` with `facts` (catalog's answer for their variants). A line whose variant
/// catalog no longer knows is left out: it has no price and cannot be bought.
pub fn price_cart(
    cart: &cart::Model,
    lines: &[cart_line::Model],
    facts: &HashMap<Uuid, VariantFacts>,
    currency: &str,
) -> PricedCart {
    let lines: Vec<PricedLine> = lines
        .iter()
        .filter_map(|line| {
            let variant = facts.get(&line.variant_id)?;
            let unit_price = Money::new(variant.price, currency);
            let line_total = Money::new(unit_price.amount * Decimal::from(line.quantity), currency);
            Some(PricedLine {
                id: line.id,
                variant_id: line.variant_id,
                quantity: line.quantity,
                unit_price,
                line_total,
            })
        })
        .collect();
    let subtotal = Money::new(lines.iter().map(|l| l.line_total.amount).sum(), currency);
    // Discounts come from coupons, which marketing will own; until then there are none.
    let discount = Money::zero(currency);
    let total = Money::new(
        (subtotal.amount - discount.amount).max(Decimal::ZERO),
        currency,
    );
    PricedCart {
        id: cart.id,
        item_count: lines.iter().map(|l| l.quantity).sum(),
        lines,
        subtotal,
        discount,
        total,
        coupon_code: cart.coupon_code.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Utc;
    use std::str::FromStr;

    fn cart() -> cart::Model {
        cart::Model {
            id: Uuid::now_v7(),
            user_id: Uuid::now_v7(),
            version: 3,
            coupon_code: None,
            coupon_version: None,
            created_at: Utc::now(),
            updated_at: Utc::now(),
        }
    }

    fn line(cart: &cart::Model, variant_id: Uuid, quantity: i32) -> cart_line::Model {
        cart_line::Model {
            id: Uuid::now_v7(),
            cart_id: cart.id,
            variant_id,
            quantity,
            version: 1,
            created_at: Utc::now(),
            updated_at: Utc::now(),
        }
    }

    fn facts(id: Uuid, price: &str) -> (Uuid, VariantFacts) {
        (
            id,
            VariantFacts {
                id,
                sku: "SKU".into(),
                name: "Size 42".into(),
                product_id: Uuid::now_v7(),
                product_name: "Shoe".into(),
                price: Decimal::from_str(price).unwrap(),
                currency: "USD".into(),
                purchasable: true,
                weight_grams: None,
            },
        )
    }

    #[test]
    fn totals_are_exact_and_unknown_variants_are_left_out() {
        let cart = cart();
        let (a, b, gone) = (Uuid::now_v7(), Uuid::now_v7(), Uuid::now_v7());
        let lines = vec![line(&cart, a, 3), line(&cart, b, 2), line(&cart, gone, 5)];
        let facts = HashMap::from([facts(a, "0.10"), facts(b, "19.995")]);
        let priced = price_cart(&cart, &lines, &facts, "USD");
        assert_eq!(priced.lines.len(), 2);
        assert_eq!(priced.item_count, 5);
        assert_eq!(priced.lines[0].line_total.amount.to_string(), "0.30");
        // The unit price is rounded to cents before it is multiplied.
        assert_eq!(priced.lines[1].unit_price.amount.to_string(), "20.00");
        assert_eq!(priced.lines[1].line_total.amount.to_string(), "40.00");
        assert_eq!(priced.subtotal.amount.to_string(), "40.30");
        assert_eq!(priced.discount.amount.to_string(), "0.00");
        assert_eq!(priced.total, priced.subtotal);
    }

    #[test]
    fn an_empty_cart_costs_nothing() {
        let priced = price_cart(&cart(), &[], &HashMap::new(), "JPY");
        assert_eq!(priced.item_count, 0);
        assert_eq!(priced.total.amount.to_string(), "0");
        assert_eq!(priced.total.currency, "JPY");
    }
}
