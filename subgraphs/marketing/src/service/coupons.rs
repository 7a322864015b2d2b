//! Creating, changing and switching off coupons, and generating many codes at once.

use chrono::{DateTime, Utc};
use micromall_kit::db::{begin_write, violated};
use micromall_kit::outcome::{DomainError, Verdict};
use micromall_kit::pagination::PageRequest;
use micromall_kit::refuse;
use rust_decimal::Decimal;
use sea_orm::DbErr;
use uuid::Uuid;

use super::{Done, Marketing, ids_json, ids_of, now};
use crate::entity::coupon;
use crate::refusal::Refusal;
use crate::rules::offers::{self, CouponTerms};
use crate::rules::pricing::{Kind, Scope};
use crate::store;

/// `createCoupon`'s input, as sent.
pub struct NewCoupon {
    pub code: String,
    pub kind: Kind,
    pub value: Decimal,
    pub min_subtotal: Option<Decimal>,
    pub starts_at: Option<DateTime<Utc>>,
    pub ends_at: Option<DateTime<Utc>>,
    pub usage_limit: Option<i64>,
    pub per_customer_limit: Option<i64>,
    pub category_ids: Vec<String>,
    pub product_ids: Vec<String>,
}

/// `updateCoupon`'s input: absent fields stay as they are.
pub struct CouponChanges {
    pub value: Option<Decimal>,
    pub min_subtotal: Option<Decimal>,
    pub starts_at: Option<DateTime<Utc>>,
    pub ends_at: Option<DateTime<Utc>>,
    pub usage_limit: Option<i64>,
    pub per_customer_limit: Option<i64>,
    pub category_ids: Option<Vec<String>>,
    pub product_ids: Option<Vec<String>>,
}

fn terms_of(row: &coupon::Model) -> CouponTerms {
    CouponTerms {
        kind: Kind::parse(&row.kind).unwrap_or(Kind::Percentage),
        value: row.value,
        min_subtotal: row.min_subtotal,
        starts_at: row.starts_at,
        ends_at: row.ends_at,
        usage_limit: row.usage_limit,
        per_customer_limit: row.per_customer_limit,
        scope: Scope {
            categories: ids_of(&row.category_ids),
            products: ids_of(&row.product_ids),
        },
    }
}

fn apply(row: &mut coupon::Model, terms: CouponTerms) {
    row.kind = terms.kind.as_str().to_owned();
    row.value = terms.value;
    row.min_subtotal = terms.min_subtotal;
    row.starts_at = terms.starts_at;
    row.ends_at = terms.ends_at;
    row.usage_limit = terms.usage_limit;
    row.per_customer_limit = terms.per_customer_limit;
    row.category_ids = ids_json(&terms.scope.categories);
    row.product_ids = ids_json(&terms.scope.products);
}

impl Marketing {
    pub async fn create_coupon(&self, input: NewCoupon) -> Done<coupon::Model> {
        let code = offers::clean_code(&input.code);
        let terms = CouponTerms {
            kind: input.kind,
            value: input.value,
            min_subtotal: input.min_subtotal,
            starts_at: input.starts_at,
            ends_at: input.ends_at,
            usage_limit: input.usage_limit,
            per_customer_limit: input.per_customer_limit,
            scope: Scope::default(),
        };
        let checked = offers::check_coupon(terms, &self.currency);
        let (code, terms) = match (code, checked) {
            (Ok(code), Ok(terms)) => (code, terms),
            (code, checked) => {
                let problems = code.err().into_iter().chain(checked.err()).collect();
                return refuse(Refusal::of_all(problems));
            }
        };
        let scope = self.scope(&input.category_ids, &input.product_ids).await?;
        let now = now();
        let mut row = coupon::Model {
            id: Uuid::now_v7(),
            code: code.0,
            code_key: code.1,
            kind: String::new(),
            value: Decimal::ZERO,
            category_ids: serde_json::Value::Null,
            product_ids: serde_json::Value::Null,
            min_subtotal: None,
            starts_at: None,
            ends_at: None,
            usage_limit: None,
            per_customer_limit: None,
            uses_taken: 0,
            times_used: 0,
            active: true,
            created_at: now,
            updated_at: now,
        };
        apply(&mut row, CouponTerms { scope, ..terms });
        match store::insert_coupon(&self.db, row.clone()).await {
            Ok(()) => Ok(row),
            Err(err) if violated(&err, &store::CODES).is_some() => refuse(Refusal::CodeTaken),
            Err(err) => Err(err.into()),
        }
    }

    pub async fn update_coupon(&self, id: &str, changes: CouponChanges) -> Done<coupon::Model> {
        let Some(mut row) = self.coupon_by_arg(id).await? else {
            return refuse(Refusal::NotFound("id"));
        };
        let mut terms = terms_of(&row);
        terms.value = changes.value.unwrap_or(terms.value);
        terms.min_subtotal = changes.min_subtotal.or(terms.min_subtotal);
        terms.starts_at = changes.starts_at.or(terms.starts_at);
        terms.ends_at = changes.ends_at.or(terms.ends_at);
        terms.usage_limit = changes.usage_limit.or(terms.usage_limit);
        terms.per_customer_limit = changes.per_customer_limit.or(terms.per_customer_limit);
        let terms = offers::check_coupon(terms, &self.currency).or_refuse()?;
        let scope = match (&changes.category_ids, &changes.product_ids) {
            (None, None) => terms.scope.clone(),
            (categories, products) => {
                let categories = match categories {
                    Some(ids) => ids.clone(),
                    None => terms.scope.categories.iter().map(Uuid::to_string).collect(),
                };
                let products = match products {
                    Some(ids) => ids.clone(),
                    None => terms.scope.products.iter().map(Uuid::to_string).collect(),
                };
                self.scope(&categories, &products).await?
            }
        };
        apply(&mut row, CouponTerms { scope, ..terms });
        row.updated_at = now();
        store::update_coupon(&self.db, row.clone()).await?;
        // As stored now (a deactivation or a hold may have come meanwhile).
        Ok(store::coupon(&self.db, row.id).await?.unwrap_or(row))
    }

    /// Off for good: shoppers are told there is no such coupon; orders that hold a use keep it.
    pub async fn deactivate_coupon(&self, id: &str) -> Done<coupon::Model> {
        let Ok(id) = Uuid::parse_str(id) else {
            return refuse(Refusal::NotFound("id"));
        };
        store::deactivate_coupon(&self.db, id, now()).await?;
        match store::coupon(&self.db, id).await? {
            Some(row) => Ok(row),
            None => refuse(Refusal::NotFound("id")),
        }
    }

    /// `count` copies of coupon `like`, each with its own code `PREFIX-XXXXXXXX` and its own
    /// budget (a campaign's single-use codes). All are made, or none.
    pub async fn generate_codes(&self, like: &str, prefix: &str, count: i32) -> Done<Vec<String>> {
        let prefix = offers::clean_prefix(prefix);
        let count = offers::check_count(count);
        let (prefix, count) = match (prefix, count) {
            (Ok(prefix), Ok(count)) => (prefix, count),
            (prefix, count) => {
                let problems = prefix.err().into_iter().chain(count.err()).collect();
                return refuse(Refusal::of_all(problems));
            }
        };
        let Some(model) = self.coupon_by_arg(like).await? else {
            return refuse(Refusal::NotFound("input.like"));
        };
        // A clash with an existing code is astronomically unlikely; a few tries settle it.
        for _ in 0..3 {
            let now = now();
            let rows: Vec<coupon::Model> = {
                let mut rng = rand::rng();
                let mut codes = std::collections::BTreeSet::new();
                while codes.len() < count {
                    codes.insert(offers::generated_code(&prefix, &mut rng));
                }
                codes
                    .into_iter()
                    .map(|code| coupon::Model {
                        id: Uuid::now_v7(),
                        code_key: code.clone(),
                        code,
                        uses_taken: 0,
                        times_used: 0,
                        active: true,
                        created_at: now,
                        updated_at: now,
                        ..model.clone()
                    })
                    .collect()
            };
            let codes: Vec<String> = rows.iter().map(|r| r.code.clone()).collect();
            let txn = begin_write(&self.db).await?;
            match store::insert_coupons(&txn, rows).await {
                Ok(()) => {
                    txn.commit().await?;
                    return Ok(codes);
                }
                Err(err) if violated(&err, &store::CODES).is_some() => continue,
                Err(err) => return Err(err.into()),
            }
        }
        Err(DomainError::Failed(micromall_kit::ApiError::internal(
            anyhow::anyhow!("generated coupon codes kept clashing"),
        )))
    }

    pub async fn coupons(&self, page: &PageRequest) -> Result<(Vec<coupon::Model>, u64), DbErr> {
        let after = match &page.after {
            Some(cursor) => match Uuid::parse_str(cursor) {
                Ok(id) => Some(id),
                Err(_) => return Ok((Vec::new(), 0)),
            },
            None => None,
        };
        store::coupons(&self.db, after, page.fetch_limit()).await
    }

    async fn coupon_by_arg(&self, id: &str) -> Done<Option<coupon::Model>> {
        self.coupon_in(&self.db, id).await
    }

    async fn coupon_in(
        &self,
        conn: &impl sea_orm::ConnectionTrait,
        id: &str,
    ) -> Done<Option<coupon::Model>> {
        match Uuid::parse_str(id) {
            Ok(id) => Ok(store::coupon(conn, id).await?),
            Err(_) => Ok(None),
        }
    }
}
