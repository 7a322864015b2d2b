use async_graphql::{Enum, ID, InputObject, SimpleObject};
use chrono::{DateTime, Utc};
use rust_decimal::Decimal;

use crate::entity::{coupon, promotion};
use crate::rules::pricing::Kind;
use crate::service::ids_of;

#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
#[graphql(remote = "Kind")]
pub enum CouponKind {
    Percentage,
    FixedAmount,
    FreeShipping,
}

#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum PromotionTarget {
    /// Off each line in scope: a sale price.
    Products,
    /// Off the order, spread over the lines in scope.
    Order,
}

fn ids(json: &serde_json::Value) -> Vec<ID> {
    ids_of(json)
        .into_iter()
        .map(|id| ID(id.to_string()))
        .collect()
}

fn kind(stored: &str) -> CouponKind {
    Kind::parse(stored).unwrap_or(Kind::Percentage).into()
}

#[derive(SimpleObject)]
pub struct Coupon {
    pub id: ID,
    pub code: String,
    pub kind: CouponKind,
    /// Percent (0-100] or an amount in the shop currency; ignored for `FREE_SHIPPING`.
    pub value: Decimal,
    /// Empty with `productIds` empty: the whole order.
    pub category_ids: Vec<ID>,
    pub product_ids: Vec<ID>,
    pub min_subtotal: Option<Decimal>,
    pub starts_at: Option<DateTime<Utc>>,
    pub ends_at: Option<DateTime<Utc>>,
    pub usage_limit: Option<i32>,
    pub per_customer_limit: Option<i32>,
    /// Uses by paid orders.
    pub times_used: i32,
    pub active: bool,
}

fn small(n: i64) -> i32 {
    i32::try_from(n).unwrap_or(i32::MAX)
}

impl From<coupon::Model> for Coupon {
    fn from(row: coupon::Model) -> Self {
        Coupon {
            id: ID(row.id.to_string()),
            kind: kind(&row.kind),
            category_ids: ids(&row.category_ids),
            product_ids: ids(&row.product_ids),
            code: row.code,
            value: row.value.normalize(),
            min_subtotal: row.min_subtotal.map(|m| m.normalize()),
            starts_at: row.starts_at,
            ends_at: row.ends_at,
            usage_limit: row.usage_limit.map(small),
            per_customer_limit: row.per_customer_limit.map(small),
            times_used: small(row.times_used),
            active: row.active,
        }
    }
}

#[derive(SimpleObject)]
pub struct Promotion {
    pub id: ID,
    pub name: String,
    pub kind: CouponKind,
    pub value: Decimal,
    pub target: PromotionTarget,
    pub category_ids: Vec<ID>,
    pub product_ids: Vec<ID>,
    pub min_subtotal: Option<Decimal>,
    /// Higher wins a tie between equal discounts, and applies first when they stack.
    pub priority: i32,
    pub stackable: bool,
    pub starts_at: Option<DateTime<Utc>>,
    pub ends_at: Option<DateTime<Utc>>,
    pub active: bool,
}

impl From<promotion::Model> for Promotion {
    fn from(row: promotion::Model) -> Self {
        Promotion {
            id: ID(row.id.to_string()),
            kind: kind(&row.kind),
            target: if row.target == "ORDER" {
                PromotionTarget::Order
            } else {
                PromotionTarget::Products
            },
            category_ids: ids(&row.category_ids),
            product_ids: ids(&row.product_ids),
            name: row.name,
            value: row.value.normalize(),
            min_subtotal: row.min_subtotal.map(|m| m.normalize()),
            priority: row.priority,
            stackable: row.stackable,
            starts_at: row.starts_at,
            ends_at: row.ends_at,
            active: row.active,
        }
    }
}

#[derive(InputObject)]
pub struct CreateCouponInput {
    pub code: String,
    pub kind: CouponKind,
    pub value: Decimal,
    pub min_subtotal: Option<Decimal>,
    pub starts_at: Option<DateTime<Utc>>,
    pub ends_at: Option<DateTime<Utc>>,
    pub usage_limit: Option<i32>,
    pub per_customer_limit: Option<i32>,
    pub category_ids: Option<Vec<ID>>,
    pub product_ids: Option<Vec<ID>>,
}

#[derive(InputObject)]
pub struct UpdateCouponInput {
    pub value: Option<Decimal>,
    pub min_subtotal: Option<Decimal>,
    pub starts_at: Option<DateTime<Utc>>,
    pub ends_at: Option<DateTime<Utc>>,
    pub usage_limit: Option<i32>,
    pub per_customer_limit: Option<i32>,
    pub category_ids: Option<Vec<ID>>,
    pub product_ids: Option<Vec<ID>>,
}

/// Copies of coupon `like`, with codes `PREFIX-XXXXXXXX`.
#[derive(InputObject)]
pub struct GenerateCouponCodesInput {
    pub like: ID,
    pub prefix: String,
    pub count: i32,
}

#[derive(InputObject)]
pub struct PromotionInput {
    pub name: String,
    pub kind: CouponKind,
    pub value: Decimal,
    pub target: PromotionTarget,
    pub category_ids: Option<Vec<ID>>,
    pub product_ids: Option<Vec<ID>>,
    pub min_subtotal: Option<Decimal>,
    pub priority: Option<i32>,
    pub stackable: Option<bool>,
    pub starts_at: Option<DateTime<Utc>>,
    pub ends_at: Option<DateTime<Utc>>,
}

/// The ids as sent.
pub fn strings(ids: Option<Vec<ID>>) -> Vec<String> {
    ids.unwrap_or_default().into_iter().map(|id| id.0).collect()
}

// codes: CODE_TAKEN, INVALID_VALUE, INVALID_RANGE, NOT_FOUND, CATEGORY_NOT_FOUND, PRODUCT_NOT_FOUND
micromall_kit::payload!(CouponPayload, coupon: Coupon);
// codes: INVALID_VALUE, INVALID_RANGE, NOT_FOUND, CATEGORY_NOT_FOUND, PRODUCT_NOT_FOUND
micromall_kit::payload!(PromotionPayload, promotion: Promotion);

/// The codes made; empty when refused.
#[derive(SimpleObject)]
pub struct GeneratedCodesPayload {
    pub codes: Vec<String>,
    pub user_errors: Vec<micromall_kit::UserError>,
}

impl micromall_kit::outcome::Payload for GeneratedCodesPayload {
    type Value = Vec<String>;

    fn done(codes: Vec<String>) -> Self {
        Self {
            codes,
            user_errors: Vec::new(),
        }
    }

    fn refused(user_errors: Vec<micromall_kit::UserError>) -> Self {
        Self {
            codes: Vec::new(),
            user_errors,
        }
    }
}
