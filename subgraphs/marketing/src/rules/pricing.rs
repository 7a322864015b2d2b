//! What promotions and a coupon take off a cart, to the cent.
//!
//! Three passes, each on what the one before left to pay:
//! 1. product promotions, per line: the best single one, or all of them when every one that
//!    applies to the line is stackable and together they take more off (then each applies,
//!    highest priority first, to what the ones before left);
//! 2. order promotions, chosen the same way, spread over the lines they cover;
//! 3. the coupon, on what is left of the lines in its scope. A coupon always combines with
//!    promotions: a shopper who typed a code expects it to count.
//!
//! Amounts are split over lines in whole minor units (cents) in proportion to what each line
//! still costs, the leftover cents going to the lines with the largest remainders, so the
//! lines always add up to the total exactly.

use micromall_kit::money::{minor_units, round_to_currency};
use rust_decimal::Decimal;
use uuid::Uuid;

/// The kinds coupons and promotions share (`CouponKind`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Percentage,
    FixedAmount,
    FreeShipping,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Percentage => "PERCENTAGE",
            Kind::FixedAmount => "FIXED_AMOUNT",
            Kind::FreeShipping => "FREE_SHIPPING",
        }
    }

    pub fn parse(stored: &str) -> Option<Kind> {
        [Kind::Percentage, Kind::FixedAmount, Kind::FreeShipping]
            .into_iter()
            .find(|k| k.as_str() == stored)
    }
}

/// Which lines an offer reaches: both lists empty means every line.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Scope {
    pub categories: Vec<Uuid>,
    pub products: Vec<Uuid>,
}

impl Scope {
    pub fn covers(&self, item: &Item) -> bool {
        (self.categories.is_empty() && self.products.is_empty())
            || self.products.contains(&item.product_id)
            || item
                .category_ids
                .iter()
                .any(|c| self.categories.contains(c))
    }
}

/// A line to price: its product, the product's categories (with ancestors), its unit price
/// (in the shop currency) and quantity.
#[derive(Debug, Clone)]
pub struct Item {
    pub variant_id: Uuid,
    pub product_id: Uuid,
    pub category_ids: Vec<Uuid>,
    pub unit_price: Decimal,
    pub quantity: i64,
}

/// A promotion as pricing sees it (already known to be active and within its window).
#[derive(Debug, Clone)]
pub struct Promotion {
    pub name: String,
    pub kind: Kind,
    pub value: Decimal,
    /// Per line (`PRODUCTS`, a sale price) or on the order (`ORDER`).
    pub on_order: bool,
    pub scope: Scope,
    pub min_subtotal: Option<Decimal>,
    pub priority: i32,
    pub stackable: bool,
}

/// A coupon that may be applied (its window, limits and minimum were checked by the caller).
#[derive(Debug, Clone)]
pub struct Coupon {
    pub code: String,
    pub kind: Kind,
    pub value: Decimal,
    pub scope: Scope,
}

/// One line's discount and where it came from.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LineOutcome {
    pub amount: Decimal,
    pub sources: Vec<String>,
}

/// One source's share of the whole discount.
#[derive(Debug, Clone, PartialEq)]
pub struct Part {
    pub source: String,
    pub code: Option<String>,
    pub amount: Decimal,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Outcome {
    pub lines: Vec<LineOutcome>,
    pub parts: Vec<Part>,
    pub total: Decimal,
    /// What makes delivery free, as `(source, code)`: the first `FREE_SHIPPING` offer that
    /// applies (promotions before the coupon).
    pub free_shipping: Option<(String, Option<String>)>,
    /// A coupon was given but none of the lines is in its scope.
    pub coupon_missed: bool,
}

/// What the cart's lines cost before any discount.
pub fn subtotal(items: &[Item], currency: &str) -> Decimal {
    items.iter().map(|i| gross(i, currency)).sum()
}

fn gross(item: &Item, currency: &str) -> Decimal {
    round_to_currency(item.unit_price * Decimal::from(item.quantity), currency)
}

/// Running state of the three passes: what each line still costs and what was taken off it.
struct Ledger<'a> {
    currency: &'a str,
    remaining: Vec<Decimal>,
    lines: Vec<LineOutcome>,
    /// In the order the sources first took something.
    parts: Vec<Part>,
}

impl Ledger<'_> {
    fn take(&mut self, line: usize, source: &str, code: Option<&str>, amount: Decimal) {
        let amount = amount.min(self.remaining[line]);
        if amount <= Decimal::ZERO {
            return;
        }
        self.remaining[line] -= amount;
        let outcome = &mut self.lines[line];
        outcome.amount += amount;
        let label = match code {
            Some(code) => format!("coupon:{code}"),
            None => source.to_owned(),
        };
        if !outcome.sources.contains(&label) {
            outcome.sources.push(label);
        }
        match self.parts.iter_mut().find(|p| p.source == source) {
            Some(part) => part.amount += amount,
            None => self.parts.push(Part {
                source: source.to_owned(),
                code: code.map(str::to_owned),
                amount,
            }),
        }
    }

    /// Takes `total` off the `lines` in proportion to what each still costs.
    fn spread(&mut self, lines: &[usize], source: &str, code: Option<&str>, total: Decimal) {
        let weights: Vec<Decimal> = lines.iter().map(|l| self.remaining[*l]).collect();
        for (line, share) in lines.iter().zip(split(total, &weights, self.currency)) {
            self.take(*line, source, code, share);
        }
    }
}

/// `total` in whole minor units over `weights`, in proportion, adding up exactly (capped at
/// the weights' sum).
pub fn split(total: Decimal, weights: &[Decimal], currency: &str) -> Vec<Decimal> {
    let unit = Decimal::new(1, minor_units(currency).unwrap_or(2));
    let sum: Decimal = weights.iter().sum();
    if sum <= Decimal::ZERO || total <= Decimal::ZERO {
        return vec![Decimal::ZERO; weights.len()];
    }
    let total_units = (total.min(sum) / unit).floor();
    let exact: Vec<Decimal> = weights.iter().map(|w| total_units * w / sum).collect();
    let mut shares: Vec<Decimal> = exact.iter().map(|e| e.floor()).collect();
    let mut leftover = total_units - shares.iter().sum::<Decimal>();
    let mut by_remainder: Vec<usize> = (0..weights.len()).collect();
    by_remainder.sort_by(|a, b| (exact[*b] - shares[*b]).cmp(&(exact[*a] - shares[*a])));
    for index in by_remainder {
        if leftover <= Decimal::ZERO {
            break;
        }
        shares[index] += Decimal::ONE;
        leftover -= Decimal::ONE;
    }
    shares.into_iter().map(|s| s * unit).collect()
}

/// What `value` of `kind` takes off `base` (percentages rounded to the currency).
fn amount_off(kind: Kind, value: Decimal, base: Decimal, currency: &str) -> Decimal {
    let amount = match kind {
        Kind::Percentage => round_to_currency(base * value / Decimal::ONE_HUNDRED, currency),
        Kind::FixedAmount => value,
        Kind::FreeShipping => Decimal::ZERO,
    };
    amount.min(base).max(Decimal::ZERO)
}

/// Of the offers that apply (each with what it would take off), the ones to apply: the best
/// single one, or every one when all of them are stackable, whichever takes more; equal
/// amounts go to the higher priority.
fn choose(candidates: &[(&Promotion, Decimal)]) -> Vec<usize> {
    if candidates.is_empty() {
        return Vec::new();
    }
    let best = (0..candidates.len())
        .max_by(|a, b| {
            let (pa, aa) = candidates[*a];
            let (pb, ab) = candidates[*b];
            aa.cmp(&ab)
                .then(pa.priority.cmp(&pb.priority))
                .then(b.cmp(a))
        })
        .unwrap_or(0);
    if candidates.iter().all(|(p, _)| p.stackable) {
        let stacked: Decimal = candidates.iter().map(|(_, a)| *a).sum();
        if stacked > candidates[best].1 {
            let mut all: Vec<usize> = (0..candidates.len()).collect();
            all.sort_by_key(|i| std::cmp::Reverse(candidates[*i].0.priority));
            return all;
        }
    }
    vec![best]
}

fn source_of(promotion: &Promotion) -> String {
    format!("promotion:{}", promotion.name)
}

pub fn price(
    items: &[Item],
    promotions: &[Promotion],
    coupon: Option<&Coupon>,
    currency: &str,
) -> Outcome {
    let subtotal = subtotal(items, currency);
    let mut ledger = Ledger {
        currency,
        remaining: items.iter().map(|i| gross(i, currency)).collect(),
        lines: vec![LineOutcome::default(); items.len()],
        parts: Vec::new(),
    };
    let qualifies = |p: &&Promotion| p.min_subtotal.is_none_or(|min| subtotal >= min);
    let mut free_shipping: Option<(String, Option<String>)> = None;

    // 1. Product promotions, line by line.
    let on_lines: Vec<&Promotion> = promotions
        .iter()
        .filter(|p| !p.on_order)
        .filter(qualifies)
        .collect();
    for (line, item) in items.iter().enumerate() {
        let covering: Vec<&Promotion> = on_lines
            .iter()
            .copied()
            .filter(|p| p.scope.covers(item))
            .collect();
        if let Some(free) = covering.iter().find(|p| p.kind == Kind::FreeShipping) {
            free_shipping.get_or_insert((source_of(free), None));
        }
        let off = |p: &Promotion, remaining: Decimal| -> Decimal {
            // A fixed amount off a product is off each unit: a sale price.
            let off = match p.kind {
                Kind::FixedAmount => p.value.min(item.unit_price) * Decimal::from(item.quantity),
                _ => amount_off(p.kind, p.value, remaining, currency),
            };
            off.min(remaining)
        };
        let candidates: Vec<(&Promotion, Decimal)> = covering
            .into_iter()
            .filter(|p| p.kind != Kind::FreeShipping)
            .map(|p| (p, off(p, ledger.remaining[line])))
            .collect();
        // Stacked ones apply in turn, each to what the ones before left.
        for chosen in choose(&candidates) {
            let promotion = candidates[chosen].0;
            let amount = off(promotion, ledger.remaining[line]);
            ledger.take(line, &source_of(promotion), None, amount);
        }
    }

    // 2. Order promotions, over the lines each covers.
    let on_order: Vec<&Promotion> = promotions
        .iter()
        .filter(|p| p.on_order)
        .filter(qualifies)
        .collect();
    let covered = |scope: &Scope| -> Vec<usize> {
        (0..items.len())
            .filter(|l| scope.covers(&items[*l]))
            .collect()
    };
    let mut candidates = Vec::new();
    for promotion in &on_order {
        let lines = covered(&promotion.scope);
        if lines.is_empty() {
            continue;
        }
        if promotion.kind == Kind::FreeShipping {
            free_shipping.get_or_insert((source_of(promotion), None));
            continue;
        }
        let base: Decimal = lines.iter().map(|l| ledger.remaining[*l]).sum();
        candidates.push((
            *promotion,
            amount_off(promotion.kind, promotion.value, base, currency),
        ));
    }
    for chosen in choose(&candidates) {
        let promotion = candidates[chosen].0;
        let lines = covered(&promotion.scope);
        let base: Decimal = lines.iter().map(|l| ledger.remaining[*l]).sum();
        let off = amount_off(promotion.kind, promotion.value, base, currency);
        ledger.spread(&lines, &source_of(promotion), None, off);
    }

    // 3. The coupon, on what is left.
    let mut coupon_missed = false;
    if let Some(coupon) = coupon {
        let lines = covered(&coupon.scope);
        if lines.is_empty() {
            coupon_missed = true;
        } else if coupon.kind == Kind::FreeShipping {
            free_shipping.get_or_insert(("coupon".to_owned(), Some(coupon.code.clone())));
        } else {
            let base: Decimal = lines.iter().map(|l| ledger.remaining[*l]).sum();
            let off = amount_off(coupon.kind, coupon.value, base, currency);
            ledger.spread(&lines, "coupon", Some(&coupon.code), off);
        }
    }

    let total = ledger.lines.iter().map(|l| l.amount).sum();
    Outcome {
        lines: ledger.lines,
        parts: ledger.parts,
        total,
        free_shipping,
        coupon_missed,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    fn d(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap()
    }

    fn item(price: &str, quantity: i64, category: Option<Uuid>) -> Item {
        Item {
            variant_id: Uuid::now_v7(),
            product_id: Uuid::now_v7(),
            category_ids: category.into_iter().collect(),
            unit_price: d(price),
            quantity,
        }
    }

    fn promotion(name: &str, kind: Kind, value: &str, on_order: bool) -> Promotion {
        Promotion {
            name: name.into(),
            kind,
            value: d(value),
            on_order,
            scope: Scope::default(),
            min_subtotal: None,
            priority: 0,
            stackable: false,
        }
    }

    fn coupon(kind: Kind, value: &str, scope: Scope) -> Coupon {
        Coupon {
            code: "SPRING".into(),
            kind,
            value: d(value),
            scope,
        }
    }

    fn amounts(outcome: &Outcome) -> Vec<String> {
        outcome.lines.iter().map(|l| l.amount.to_string()).collect()
    }

    #[test]
    fn a_split_adds_up_to_the_cent_and_favours_the_largest_remainders() {
        let shares = split(d("10.00"), &[d("10"), d("10"), d("10")], "USD");
        assert_eq!(shares.iter().sum::<Decimal>(), d("10.00"));
        assert_eq!(shares, [d("3.34"), d("3.33"), d("3.33")]);
        assert_eq!(
            split(d("50"), &[d("20"), d("10")], "USD"),
            [d("20"), d("10")]
        );
        assert_eq!(
            split(d("7"), &[d("100"), d("300")], "JPY"),
            [d("2"), d("5")]
        );
        assert_eq!(split(d("1"), &[], "USD"), Vec::<Decimal>::new());
    }

    #[test]
    fn a_percentage_coupon_on_a_category_reaches_only_its_lines() {
        let shoes = Uuid::now_v7();
        let items = [item("19.99", 3, Some(shoes)), item("5.00", 1, None)];
        let scope = Scope {
            categories: vec![shoes],
            products: vec![],
        };
        let outcome = price(
            &items,
            &[],
            Some(&coupon(Kind::Percentage, "15", scope)),
            "USD",
        );
        // 15% of 59.97 = 8.9955 → 9.00 (half-even to the cent).
        assert_eq!(amounts(&outcome), ["9.00", "0"]);
        assert_eq!(outcome.total, d("9.00"));
        assert_eq!(outcome.lines[0].sources, ["coupon:SPRING"]);
        assert_eq!(outcome.parts[0].source, "coupon");
        assert_eq!(outcome.parts[0].code.as_deref(), Some("SPRING"));
    }

    #[test]
    fn a_fixed_coupon_is_spread_in_proportion_and_never_exceeds_the_goods() {
        let items = [item("30.00", 1, None), item("10.00", 1, None)];
        let outcome = price(
            &items,
            &[],
            Some(&coupon(Kind::FixedAmount, "10", Scope::default())),
            "USD",
        );
        assert_eq!(amounts(&outcome), ["7.50", "2.50"]);
        let outcome = price(
            &items,
            &[],
            Some(&coupon(Kind::FixedAmount, "100", Scope::default())),
            "USD",
        );
        assert_eq!(outcome.total, d("40.00"));
    }

    #[test]
    fn a_coupon_for_other_products_is_missed_and_free_shipping_takes_nothing_off_goods() {
        let items = [item("30.00", 1, None)];
        let elsewhere = Scope {
            categories: vec![],
            products: vec![Uuid::now_v7()],
        };
        let missed = price(
            &items,
            &[],
            Some(&coupon(Kind::Percentage, "10", elsewhere)),
            "USD",
        );
        assert!(missed.coupon_missed);
        assert_eq!(missed.total, Decimal::ZERO);
        let free = price(
            &items,
            &[],
            Some(&coupon(Kind::FreeShipping, "0", Scope::default())),
            "USD",
        );
        assert_eq!(
            free.free_shipping,
            Some(("coupon".to_owned(), Some("SPRING".to_owned())))
        );
        assert!(!free.coupon_missed);
        assert_eq!(free.total, Decimal::ZERO);
    }

    #[test]
    fn of_two_non_stackable_promotions_the_better_one_applies() {
        let items = [item("80.00", 1, None)];
        let ten = promotion("Ten off", Kind::FixedAmount, "10", false);
        let quarter = promotion("Quarter off", Kind::Percentage, "25", false);
        let outcome = price(&items, &[ten, quarter], None, "USD");
        assert_eq!(outcome.total, d("20.00"));
        assert_eq!(outcome.lines[0].sources, ["promotion:Quarter off"]);
    }

    #[test]
    fn stackable_promotions_combine_and_a_fixed_one_is_off_each_unit() {
        let items = [item("50.00", 2, None)];
        let mut five = promotion("Five off", Kind::FixedAmount, "5", false);
        let mut tenth = promotion("Tenth off", Kind::Percentage, "10", false);
        five.stackable = true;
        tenth.stackable = true;
        tenth.priority = 1;
        let outcome = price(&items, &[five.clone(), tenth.clone()], None, "USD");
        // Higher priority first: 10% of 100 = 10, then 5 off each of 2 units = 10.
        assert_eq!(outcome.total, d("20.00"));
        assert_eq!(
            outcome.lines[0].sources,
            ["promotion:Tenth off", "promotion:Five off"]
        );
        // One of them not stackable: only the best applies.
        tenth.stackable = false;
        let outcome = price(&items, &[five, tenth], None, "USD");
        assert_eq!(outcome.total, d("10.00"));
        assert_eq!(outcome.lines[0].sources, ["promotion:Tenth off"]);
    }

    #[test]
    fn an_order_promotion_needs_its_minimum_and_the_coupon_comes_last() {
        let items = [item("60.00", 1, None), item("40.00", 1, None)];
        let mut above = promotion("10% above 100", Kind::Percentage, "10", true);
        above.min_subtotal = Some(d("100"));
        let outcome = price(
            &items,
            &[above.clone()],
            Some(&coupon(Kind::FixedAmount, "9", Scope::default())),
            "USD",
        );
        // 10 off 100, then the coupon's 9 off the 90 left, in proportion (54 : 36).
        assert_eq!(amounts(&outcome), ["11.40", "7.60"]);
        assert_eq!(outcome.parts.len(), 2);
        assert_eq!(outcome.parts[0].amount, d("10.00"));
        assert_eq!(outcome.parts[1].amount, d("9.00"));
        let short = [item("99.99", 1, None)];
        assert_eq!(price(&short, &[above], None, "USD").total, Decimal::ZERO);
    }

    #[test]
    fn a_discount_never_exceeds_a_line() {
        let items = [item("3.00", 1, None)];
        let big = promotion("Huge", Kind::FixedAmount, "10", false);
        let outcome = price(
            &items,
            &[big],
            Some(&coupon(Kind::Percentage, "50", Scope::default())),
            "USD",
        );
        assert_eq!(outcome.total, d("3.00"));
        // The coupon had nothing left to take: it is not listed as a source.
        assert_eq!(outcome.lines[0].sources, ["promotion:Huge"]);
    }
}
