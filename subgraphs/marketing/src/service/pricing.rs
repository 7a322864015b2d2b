//! What promotions and the cart's coupon take off its lines now: asked by cart for every
//! view of a cart and by checkout for the order.

use micromall_kit::contracts::marketing::{
    CouponIssue, DiscountPart, Discounts, FreeShipping, LineDiscount, PriceRequest,
};

use super::{Done, Marketing, ids_of, now};
use crate::entity::{coupon, promotion};
use crate::rules::offers::code_key;
use crate::rules::pricing::{self, Coupon, Item, Kind, Promotion, Scope};
use crate::rules::standing::{self, Issue, Terms};
use crate::store;

/// Most lines priced at once (a cart holds at most 100).
const MAX_ITEMS: usize = 500;

impl Marketing {
    pub async fn price(&self, request: &PriceRequest) -> Done<Discounts> {
        let now = now();
        let items: Vec<Item> = request
            .items
            .iter()
            .take(MAX_ITEMS)
            .map(|i| Item {
                variant_id: i.variant_id,
                product_id: i.product_id,
                category_ids: i.category_ids.clone(),
                unit_price: i.unit_price,
                quantity: i.quantity.max(0),
            })
            .collect();
        let promotions: Vec<Promotion> = store::live_promotions(&self.db, now)
            .await?
            .iter()
            .filter(|p| p.starts_at.is_none_or(|start| start <= now))
            .map(promotion_of)
            .collect();
        let subtotal = pricing::subtotal(&items, &self.currency);

        let mut coupon_code = None;
        let mut issue = None;
        let mut coupon = None;
        if let Some(asked) = &request.coupon_code {
            coupon_code = Some(asked.clone());
            match coupon_for(&self.db, asked).await? {
                None => issue = Some(Issue::Unknown),
                Some(row) => {
                    coupon_code = Some(row.code.clone());
                    let uses = match (request.customer_id, row.per_customer_limit) {
                        (Some(customer), Some(_)) => {
                            store::customer_uses(&self.db, row.id, customer).await?
                        }
                        _ => 0,
                    };
                    issue = standing::issue(&standing_terms(&row), now, Some(subtotal), uses);
                    if issue.is_none() {
                        coupon = Some(coupon_of(&row));
                    }
                }
            }
        }

        let outcome = pricing::price(&items, &promotions, coupon.as_ref(), &self.currency);
        if outcome.coupon_missed {
            issue = Some(Issue::NotApplicable);
        }
        Ok(Discounts {
            lines: items
                .iter()
                .zip(outcome.lines)
                .map(|(item, line)| LineDiscount {
                    variant_id: item.variant_id,
                    amount: line.amount,
                    sources: line.sources,
                })
                .collect(),
            parts: outcome
                .parts
                .into_iter()
                .map(|p| DiscountPart {
                    source: p.source,
                    code: p.code,
                    amount: p.amount,
                })
                .collect(),
            total: outcome.total,
            free_shipping: outcome
                .free_shipping
                .map(|(source, code)| FreeShipping { source, code }),
            coupon_code,
            coupon_issue: issue.map(|issue| CouponIssue {
                code: issue.code().to_owned(),
                message: issue.message(),
            }),
        })
    }
}

/// The coupon a shopper's code names (in any case), if any.
pub(crate) async fn coupon_for(
    conn: &impl sea_orm::ConnectionTrait,
    code: &str,
) -> Result<Option<coupon::Model>, sea_orm::DbErr> {
    match code_key(code) {
        Some(key) => store::coupon_by_key(conn, &key).await,
        None => Ok(None),
    }
}

pub(crate) fn standing_terms(row: &coupon::Model) -> Terms {
    Terms {
        active: row.active,
        starts_at: row.starts_at,
        ends_at: row.ends_at,
        min_subtotal: row.min_subtotal,
        usage_limit: row.usage_limit,
        per_customer_limit: row.per_customer_limit,
        uses_taken: row.uses_taken,
    }
}

fn coupon_of(row: &coupon::Model) -> Coupon {
    Coupon {
        code: row.code.clone(),
        kind: Kind::parse(&row.kind).unwrap_or(Kind::Percentage),
        value: row.value,
        scope: Scope {
            categories: ids_of(&row.category_ids),
            products: ids_of(&row.product_ids),
        },
    }
}

fn promotion_of(row: &promotion::Model) -> Promotion {
    Promotion {
        name: row.name.clone(),
        kind: Kind::parse(&row.kind).unwrap_or(Kind::Percentage),
        value: row.value,
        on_order: row.target == "ORDER",
        scope: Scope {
            categories: ids_of(&row.category_ids),
            products: ids_of(&row.product_ids),
        },
        min_subtotal: row.min_subtotal,
        priority: row.priority,
        stackable: row.stackable,
    }
}
