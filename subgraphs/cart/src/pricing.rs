//! A cart as the customer sees it: lines priced with catalog's current prices, less what
//! marketing's promotions and coupon take off, and totals.

use std::collections::HashMap;

use micromall_kit::contracts::catalog::VariantFacts;
use micromall_kit::contracts::marketing::{CouponIssue, Discounts, Item};
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
    pub discount: Money,
    pub discount_sources: Vec<String>,
    /// What the line costs: unit price × quantity, less its discount.
    pub line_total: Money,
}

#[derive(Debug, Clone, PartialEq)]
pub struct PricedCart {
    pub id: Uuid,
    pub lines: Vec<PricedLine>,
    pub item_count: i32,
    /// The lines before discounts.
    pub subtotal: Money,
    pub discount: Money,
    pub total: Money,
    pub coupon_code: Option<String>,
    pub coupon_issue: Option<CouponIssue>,
    /// Delivery will be free (a `FREE_SHIPPING` coupon or promotion applies).
    pub free_shipping: bool,
}

/// The lines catalog still sells, as marketing prices them. A line whose variant catalog no
/// longer knows is left out: it has no price and cannot be bought.
pub fn items(lines: &[cart_line::Model], facts: &HashMap<Uuid, VariantFacts>) -> Vec<Item> {
    lines
        .iter()
        .filter_map(|line| {
            let variant = facts.get(&line.variant_id)?;
            Some(Item {
                variant_id: line.variant_id,
                product_id: variant.product_id,
                category_ids: variant.category_ids.clone(),
                unit_price: variant.price,
                quantity: i64::from(line.quantity),
            })
        })
        .collect()
}

/// Prices `lines` with `facts` (catalog's answer for their variants) and `discounts`
/// (marketing's answer for them; `None` when marketing could not be asked).
pub fn price_cart(
    cart: &cart::Model,
    lines: &[cart_line::Model],
    facts: &HashMap<Uuid, VariantFacts>,
    discounts: Option<&Discounts>,
    currency: &str,
) -> PricedCart {
    let off: HashMap<Uuid, (Decimal, &[String])> = discounts
        .map(|d| {
            d.lines
                .iter()
                .map(|l| (l.variant_id, (l.amount, l.sources.as_slice())))
                .collect()
        })
        .unwrap_or_default();
    let lines: Vec<PricedLine> = lines
        .iter()
        .filter_map(|line| {
            let variant = facts.get(&line.variant_id)?;
            let unit_price = Money::new(variant.price, currency);
            let gross = unit_price.amount * Decimal::from(line.quantity);
            let (discount, sources) = off
                .get(&line.variant_id)
                .map_or((Decimal::ZERO, &[][..]), |(amount, sources)| {
                    ((*amount).min(gross), *sources)
                });
            Some(PricedLine {
                id: line.id,
                variant_id: line.variant_id,
                quantity: line.quantity,
                discount: Money::new(discount, currency),
                discount_sources: sources.to_vec(),
                line_total: Money::new(gross - discount, currency),
                unit_price,
            })
        })
        .collect();
    let subtotal = Money::new(
        lines
            .iter()
            .map(|l| l.line_total.amount + l.discount.amount)
            .sum(),
        currency,
    );
    let discount = Money::new(lines.iter().map(|l| l.discount.amount).sum(), currency);
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
        coupon_issue: discounts.and_then(|d| d.coupon_issue.clone()),
        free_shipping: discounts.is_some_and(|d| d.free_shipping.is_some()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Utc;
    use micromall_kit::contracts::marketing::{FreeShipping, LineDiscount};
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
                category_ids: Vec::new(),
            },
        )
    }

    #[test]
    fn totals_are_exact_and_unknown_variants_are_left_out() {
        let cart = cart();
        let (a, b, gone) = (Uuid::now_v7(), Uuid::now_v7(), Uuid::now_v7());
        let lines = vec![line(&cart, a, 3), line(&cart, b, 2), line(&cart, gone, 5)];
        let facts = HashMap::from([facts(a, "0.10"), facts(b, "19.995")]);
        assert_eq!(items(&lines, &facts).len(), 2);
        let priced = price_cart(&cart, &lines, &facts, None, "USD");
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
    fn discounts_lower_the_lines_and_the_total() {
        let cart = cart();
        let (a, b) = (Uuid::now_v7(), Uuid::now_v7());
        let lines = vec![line(&cart, a, 2), line(&cart, b, 1)];
        let facts = HashMap::from([facts(a, "10.00"), facts(b, "5.00")]);
        let discounts = Discounts {
            lines: vec![LineDiscount {
                variant_id: a,
                amount: Decimal::from_str("2.50").unwrap(),
                sources: vec!["coupon:SPRING".into()],
            }],
            parts: Vec::new(),
            total: Decimal::from_str("2.50").unwrap(),
            free_shipping: Some(FreeShipping {
                source: "coupon".into(),
                code: Some("SPRING".into()),
            }),
            coupon_code: Some("SPRING".into()),
            coupon_issue: None,
        };
        let priced = price_cart(&cart, &lines, &facts, Some(&discounts), "USD");
        assert_eq!(priced.lines[0].line_total.amount.to_string(), "17.50");
        assert_eq!(priced.lines[0].discount_sources, ["coupon:SPRING"]);
        assert_eq!(priced.lines[1].discount.amount.to_string(), "0.00");
        assert_eq!(priced.subtotal.amount.to_string(), "25.00");
        assert_eq!(priced.discount.amount.to_string(), "2.50");
        assert_eq!(priced.total.amount.to_string(), "22.50");
        assert!(priced.free_shipping);
    }

    #[test]
    fn an_empty_cart_costs_nothing() {
        let priced = price_cart(&cart(), &[], &HashMap::new(), None, "JPY");
        assert_eq!(priced.item_count, 0);
        assert_eq!(priced.total.amount.to_string(), "0");
        assert_eq!(priced.total.currency, "JPY");
    }
}
