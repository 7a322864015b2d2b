//! Automatic promotions: made, changed and switched off by the shop.

use chrono::{DateTime, Utc};
use micromall_kit::outcome::Verdict;
use micromall_kit::refuse;
use rust_decimal::Decimal;
use uuid::Uuid;

use super::{Done, Marketing, ids_json, now};
use crate::entity::promotion;
use crate::refusal::Refusal;
use crate::rules::offers::{self, PromotionTerms};
use crate::rules::pricing::{Kind, Scope};
use crate::store;

/// `PromotionInput`, as sent (both for creating and, in full, for changing one).
pub struct NewPromotion {
    pub name: String,
    pub kind: Kind,
    pub value: Decimal,
    pub on_order: bool,
    pub category_ids: Vec<String>,
    pub product_ids: Vec<String>,
    pub min_subtotal: Option<Decimal>,
    pub priority: i32,
    pub stackable: bool,
    pub starts_at: Option<DateTime<Utc>>,
    pub ends_at: Option<DateTime<Utc>>,
}

impl Marketing {
    async fn promotion_terms(&self, input: NewPromotion) -> Done<PromotionTerms> {
        let terms = offers::check_promotion(
            PromotionTerms {
                name: input.name,
                kind: input.kind,
                value: input.value,
                on_order: input.on_order,
                scope: Scope::default(),
                min_subtotal: input.min_subtotal,
                priority: input.priority,
                stackable: input.stackable,
                starts_at: input.starts_at,
                ends_at: input.ends_at,
            },
            &self.currency,
        )
        .or_refuse()?;
        let scope = self.scope(&input.category_ids, &input.product_ids).await?;
        Ok(PromotionTerms { scope, ..terms })
    }

    pub async fn create_promotion(&self, input: NewPromotion) -> Done<promotion::Model> {
        let terms = self.promotion_terms(input).await?;
        let now = now();
        let mut row = promotion::Model {
            id: Uuid::now_v7(),
            name: String::new(),
            kind: String::new(),
            value: Decimal::ZERO,
            target: String::new(),
            category_ids: serde_json::Value::Null,
            product_ids: serde_json::Value::Null,
            min_subtotal: None,
            priority: 0,
            stackable: false,
            starts_at: None,
            ends_at: None,
            active: true,
            created_at: now,
            updated_at: now,
        };
        apply(&mut row, terms);
        store::insert_promotion(&self.db, row.clone()).await?;
        Ok(row)
    }

    /// Replaces the promotion's terms. Orders already placed keep the discount they got.
    pub async fn update_promotion(&self, id: &str, input: NewPromotion) -> Done<promotion::Model> {
        let Some(mut row) = self.promotion_by_arg(id).await? else {
            return refuse(Refusal::NotFound("id"));
        };
        let terms = self.promotion_terms(input).await?;
        apply(&mut row, terms);
        row.updated_at = now();
        store::update_promotion(&self.db, row.clone()).await?;
        Ok(store::promotion(&self.db, row.id).await?.unwrap_or(row))
    }

    pub async fn deactivate_promotion(&self, id: &str) -> Done<promotion::Model> {
        let Some(row) = self.promotion_by_arg(id).await? else {
            return refuse(Refusal::NotFound("id"));
        };
        store::deactivate_promotion(&self.db, row.id, now()).await?;
        Ok(store::promotion(&self.db, row.id).await?.unwrap_or(row))
    }

    pub async fn promotions(&self) -> Result<Vec<promotion::Model>, sea_orm::DbErr> {
        store::promotions(&self.db).await
    }

    async fn promotion_by_arg(&self, id: &str) -> Done<Option<promotion::Model>> {
        match Uuid::parse_str(id) {
            Ok(id) => Ok(store::promotion(&self.db, id).await?),
            Err(_) => Ok(None),
        }
    }
}

fn apply(row: &mut promotion::Model, terms: PromotionTerms) {
    row.name = terms.name;
    row.kind = terms.kind.as_str().to_owned();
    row.value = terms.value;
    row.target = if terms.on_order { "ORDER" } else { "PRODUCTS" }.to_owned();
    row.category_ids = ids_json(&terms.scope.categories);
    row.product_ids = ids_json(&terms.scope.products);
    row.min_subtotal = terms.min_subtotal;
    row.priority = terms.priority;
    row.stackable = terms.stackable;
    row.starts_at = terms.starts_at;
    row.ends_at = terms.ends_at;
}
