use async_graphql::{Context, ID, Object, Result, SimpleObject};
use chrono::{DateTime, Utc};
use micromall_kit::graphql::{service, viewer};
use micromall_kit::money::Money;
use uuid::Uuid;

use crate::rules::{self, INSIGHTS_READ};
use crate::service::{Insights, Report};

pub struct Query;

#[Object]
impl Query {
    /// The shop's figures for `[from, to)` (at most 366 days): revenue by the day orders were
    /// paid (UTC), refunds, best products, discounts, the cart → order → paid funnel, and the
    /// variants running low now.
    #[graphql(requires_scopes = "insights:read")]
    async fn insights(
        &self,
        ctx: &Context<'_>,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<InsightsFigures> {
        viewer(ctx).require_scope(INSIGHTS_READ)?;
        let insights = service::<Insights>(ctx)?;
        let report = insights.report(from, to).await?;
        Ok(InsightsFigures::new(report, insights.currency()))
    }
}

/// A product as insights refers to it; the router completes it from catalog.
#[derive(SimpleObject)]
#[graphql(unresolvable = "id")]
pub struct Product {
    pub id: ID,
}

/// A variant as insights refers to it; the router completes it from catalog and inventory.
#[derive(SimpleObject)]
#[graphql(unresolvable = "id")]
pub struct ProductVariant {
    pub id: ID,
}

#[derive(SimpleObject)]
pub struct DailySales {
    /// `YYYY-MM-DD`, UTC.
    pub date: String,
    pub revenue: Money,
    pub orders: i32,
    pub average_order_value: Money,
}

#[derive(SimpleObject)]
pub struct ProductSales {
    pub product: Product,
    pub units: i32,
    pub revenue: Money,
}

#[derive(SimpleObject)]
#[graphql(name = "Insights")]
pub struct InsightsFigures {
    pub revenue: Money,
    pub orders: i32,
    pub average_order_value: Money,
    pub refunded: Money,
    pub days: Vec<DailySales>,
    pub top_by_revenue: Vec<ProductSales>,
    pub top_by_units: Vec<ProductSales>,
    pub coupon_uses: i32,
    pub discount_given: Money,
    pub carts_created: i32,
    pub orders_placed: i32,
    pub orders_paid: i32,
    pub low_stock: Vec<ProductVariant>,
}

fn count(n: impl TryInto<i32>) -> i32 {
    n.try_into().unwrap_or(i32::MAX)
}

fn sales(list: Vec<rules::ProductSales>, currency: &str) -> Vec<ProductSales> {
    list.into_iter()
        .map(|s| ProductSales {
            product: Product {
                id: ID(s.product_id.to_string()),
            },
            units: count(s.units),
            revenue: Money::new(s.revenue, currency),
        })
        .collect()
}

impl InsightsFigures {
    fn new(report: Report, currency: &str) -> Self {
        let money = |amount| Money::new(amount, currency);
        let f = report.figures;
        InsightsFigures {
            revenue: money(f.revenue),
            orders: count(f.orders),
            average_order_value: money(f.average_order_value),
            refunded: money(f.refunded),
            days: f
                .days
                .into_iter()
                .map(|d| DailySales {
                    date: d.date,
                    revenue: money(d.revenue),
                    orders: count(d.orders),
                    average_order_value: money(d.average_order_value),
                })
                .collect(),
            top_by_revenue: sales(f.top_by_revenue, currency),
            top_by_units: sales(f.top_by_units, currency),
            coupon_uses: count(f.coupon_uses),
            discount_given: money(f.discount_given),
            carts_created: count(report.carts_created),
            orders_placed: count(report.orders_placed),
            orders_paid: count(f.orders),
            low_stock: report
                .low_stock
                .into_iter()
                .map(|id: Uuid| ProductVariant {
                    id: ID(id.to_string()),
                })
                .collect(),
        }
    }
}
