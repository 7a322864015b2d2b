//! The figures, as pure functions of the facts in a date range: revenue counts orders when
//! they are paid (by the day of payment, UTC), refunds when they are made, the funnel counts
//! carts made, orders placed and orders paid in the range.

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, NaiveDate, Utc};
use micromall_kit::money::round_to_currency;
use rust_decimal::Decimal;
use uuid::Uuid;

use crate::entity::{order_fact, order_item};

/// The permission the figures need.
pub const INSIGHTS_READ: &str = "insights:read";
/// Longest range asked at once.
pub const MAX_DAYS: i64 = 366;
/// Products in each top list.
pub const TOP: usize = 10;
/// A variant with this many or fewer left is low on stock.
pub const LOW_STOCK: i64 = 5;
/// Most low-stock variants listed.
pub const MAX_LOW_STOCK: u64 = 50;

/// `[from, to)`, or why it is not a range we answer.
pub fn check_range(from: DateTime<Utc>, to: DateTime<Utc>) -> Result<(), String> {
    if to <= from {
        return Err("`to` must be after `from`".to_owned());
    }
    if to - from > Duration::days(MAX_DAYS) {
        return Err(format!("a range spans at most {MAX_DAYS} days"));
    }
    Ok(())
}

#[derive(Debug, Clone, PartialEq)]
pub struct Day {
    /// `YYYY-MM-DD`, UTC.
    pub date: String,
    pub revenue: Decimal,
    pub orders: i64,
    pub average_order_value: Decimal,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ProductSales {
    pub product_id: Uuid,
    pub units: i64,
    pub revenue: Decimal,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Figures {
    pub revenue: Decimal,
    pub orders: i64,
    pub average_order_value: Decimal,
    pub refunded: Decimal,
    pub days: Vec<Day>,
    pub top_by_revenue: Vec<ProductSales>,
    pub top_by_units: Vec<ProductSales>,
    pub coupon_uses: i64,
    pub discount_given: Decimal,
}

fn average(total: Decimal, count: i64, currency: &str) -> Decimal {
    if count == 0 {
        round_to_currency(Decimal::ZERO, currency)
    } else {
        round_to_currency(total / Decimal::from(count), currency)
    }
}

/// Every day of `[from, to)`, first to last.
fn days_of(from: DateTime<Utc>, to: DateTime<Utc>) -> Vec<NaiveDate> {
    let last = (to - Duration::nanoseconds(1)).date_naive();
    let mut day = from.date_naive();
    let mut days = Vec::new();
    while day <= last {
        days.push(day);
        day = day.succ_opt().unwrap_or(last + Duration::days(1));
    }
    days
}

/// The figures of the orders `paid` in `[from, to)` (with their `items`) and the `refunds`
/// made in it.
pub fn figures(
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    paid: &[order_fact::Model],
    items: &[order_item::Model],
    refunds: &[Decimal],
    currency: &str,
) -> Figures {
    let money = |amount: Decimal| round_to_currency(amount, currency);
    let revenue: Decimal = paid.iter().map(|o| o.total).sum();
    let orders = paid.len() as i64;

    let mut per_day: BTreeMap<NaiveDate, (Decimal, i64)> = days_of(from, to)
        .into_iter()
        .map(|d| (d, (Decimal::ZERO, 0)))
        .collect();
    for order in paid {
        if let Some(day) = order.paid_at.map(|at| at.date_naive()) {
            let entry = per_day.entry(day).or_insert((Decimal::ZERO, 0));
            entry.0 += order.total;
            entry.1 += 1;
        }
    }

    let mut per_product: BTreeMap<Uuid, (i64, Decimal)> = BTreeMap::new();
    for item in items {
        let entry = per_product
            .entry(item.product_id)
            .or_insert((0, Decimal::ZERO));
        entry.0 += item.quantity;
        entry.1 += item.unit_price * Decimal::from(item.quantity) - item.discount;
    }
    let sales: Vec<ProductSales> = per_product
        .into_iter()
        .map(|(product_id, (units, revenue))| ProductSales {
            product_id,
            units,
            revenue: money(revenue),
        })
        .collect();
    let top = |key: fn(&ProductSales) -> Decimal| {
        let mut ranked = sales.clone();
        // Highest first; equal ones in product order, so the answer is stable.
        ranked.sort_by(|a, b| key(b).cmp(&key(a)).then(a.product_id.cmp(&b.product_id)));
        ranked.truncate(TOP);
        ranked
    };

    Figures {
        revenue: money(revenue),
        orders,
        average_order_value: average(revenue, orders, currency),
        refunded: money(refunds.iter().sum()),
        days: per_day
            .into_iter()
            .map(|(day, (revenue, orders))| Day {
                date: day.format("%Y-%m-%d").to_string(),
                revenue: money(revenue),
                orders,
                average_order_value: average(revenue, orders, currency),
            })
            .collect(),
        top_by_revenue: top(|s| s.revenue),
        top_by_units: top(|s| Decimal::from(s.units)),
        coupon_uses: paid.iter().filter(|o| o.coupon_code.is_some()).count() as i64,
        discount_given: money(paid.iter().map(|o| o.discount).sum()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use std::str::FromStr;

    fn d(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap()
    }

    fn at(day: u32, hour: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, day, hour, 0, 0).unwrap()
    }

    fn order(
        total: &str,
        paid: DateTime<Utc>,
        coupon: Option<&str>,
        discount: &str,
    ) -> order_fact::Model {
        order_fact::Model {
            order_id: Uuid::now_v7(),
            customer_id: Uuid::now_v7(),
            placed_at: paid,
            subtotal: d(total),
            discount: d(discount),
            shipping_cost: Decimal::ZERO,
            total: d(total),
            coupon_code: coupon.map(str::to_owned),
            paid_at: Some(paid),
            cancelled_at: None,
        }
    }

    fn item(
        order: &order_fact::Model,
        product: Uuid,
        quantity: i64,
        price: &str,
        discount: &str,
    ) -> order_item::Model {
        order_item::Model {
            order_id: order.order_id,
            variant_id: Uuid::now_v7(),
            product_id: product,
            quantity,
            unit_price: d(price),
            discount: d(discount),
        }
    }

    #[test]
    fn ranges_are_bounded() {
        assert!(check_range(at(2, 0), at(1, 0)).is_err());
        assert!(check_range(at(1, 0), at(1, 0)).is_err());
        assert!(check_range(at(1, 0), at(30, 0)).is_ok());
        assert!(check_range(at(1, 0), at(1, 0) + Duration::days(400)).is_err());
    }

    #[test]
    fn revenue_is_counted_by_the_day_of_payment_and_every_day_is_listed() {
        let (mug, pot) = (Uuid::now_v7(), Uuid::now_v7());
        let a = order("30.00", at(2, 9), Some("SPRING"), "3.00");
        let b = order("10.00", at(2, 23), None, "0");
        let c = order("45.50", at(4, 1), None, "0.50");
        let items = [
            item(&a, mug, 3, "11.00", "3.00"),
            item(&b, pot, 1, "10.00", "0"),
            item(&c, pot, 2, "23.00", "0.50"),
        ];
        let f = figures(at(1, 0), at(5, 0), &[a, b, c], &items, &[d("5.25")], "USD");
        assert_eq!(f.revenue, d("85.50"));
        assert_eq!(f.orders, 3);
        assert_eq!(f.average_order_value.to_string(), "28.50");
        assert_eq!(f.refunded.to_string(), "5.25");
        let days: Vec<(String, String, i64)> = f
            .days
            .iter()
            .map(|d| (d.date.clone(), d.revenue.to_string(), d.orders))
            .collect();
        assert_eq!(
            days,
            [
                ("2026-11-01".into(), "0.00".into(), 0),
                ("2026-11-02".into(), "40.00".into(), 2),
                ("2026-11-03".into(), "0.00".into(), 0),
                ("2026-11-04".into(), "45.50".into(), 1),
            ]
        );
        assert_eq!(f.days[1].average_order_value.to_string(), "20.00");
        // Pot: 10 + 46 - 0.50 = 55.50 over 3 units; mug: 33 - 3 = 30 over 3 units.
        assert_eq!(f.top_by_revenue[0].product_id, pot);
        assert_eq!(f.top_by_revenue[0].revenue.to_string(), "55.50");
        assert_eq!(f.top_by_units.len(), 2);
        assert_eq!(f.coupon_uses, 1);
        assert_eq!(f.discount_given.to_string(), "3.50");
    }

    #[test]
    fn an_empty_range_has_zero_figures() {
        let f = figures(at(1, 0), at(1, 12), &[], &[], &[], "USD");
        assert_eq!(f.average_order_value.to_string(), "0.00");
        assert_eq!(f.days.len(), 1);
        assert!(f.top_by_units.is_empty());
    }
}
