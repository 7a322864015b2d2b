//! What admins do to products: create them, change them, reprice a variant, archive them.

use chrono::{DateTime, Utc};
use micromall_kit::db::begin_write;
use micromall_kit::outcome::Verdict;
use micromall_kit::{DomainError, refuse};
use rust_decimal::Decimal;
use sea_orm::{ConnectionTrait, DbErr};
use uuid::Uuid;

use super::{Catalog, category_in, named_category, product_in};
use crate::entity::{product, variant};
use crate::refusal::{Priced, Refusal};
use crate::rules;
use crate::store::{self, Taken};

/// A variant as an admin describes it.
#[derive(Debug, Clone)]
pub struct NewVariant {
    pub sku: String,
    pub name: String,
    pub price: Decimal,
    pub attributes: Vec<(String, String)>,
    /// Shipping weight; `None` when unknown.
    pub weight_grams: Option<i32>,
}

#[derive(Debug, Clone)]
pub struct NewProduct {
    pub name: String,
    pub slug: Option<String>,
    pub description: String,
    pub category_id: Option<String>,
    pub tags: Vec<String>,
    pub images: Vec<(String, Option<String>)>,
    pub variants: Vec<NewVariant>,
}

#[derive(Debug, Default)]
pub struct ProductChanges {
    pub name: Option<String>,
    pub description: Option<String>,
    pub category_id: Option<Option<String>>,
    pub tags: Option<Vec<String>>,
    pub images: Option<Vec<(String, Option<String>)>>,
}

impl Catalog {
    pub async fn create_product(
        &self,
        input: NewProduct,
    ) -> Result<product::Model, DomainError<Refusal>> {
        let input = rules::check_product(input, &self.currency).or_refuse()?;
        let txn = begin_write(&self.db).await?;
        let category_id = named_category(
            &txn,
            input.category_id.as_deref(),
            Refusal::CategoryNotFound,
        )
        .await?;
        if let Some(taken) = skus_taken(&txn, &input.variants).await? {
            return refuse(taken);
        }
        let slug = match &input.slug {
            Some(slug) if store::slug_exists(&txn, slug).await? => {
                return refuse(Refusal::SlugTaken);
            }
            Some(slug) => slug.clone(),
            None => free_slug(&txn, &input.name).await?,
        };
        let now = Utc::now();
        let product = product::Model {
            id: Uuid::now_v7(),
            slug,
            name: input.name.clone(),
            description: input.description.clone(),
            category_id,
            archived_at: None,
            created_at: now,
            updated_at: now,
        };
        if let Err(err) = insert(&txn, &product, &input, now).await {
            txn.rollback().await?;
            return Err(self.lost_race(err, &input.variants).await);
        }
        self.announce_change(&txn, &product).await?;
        self.commit(txn).await?;
        Ok(product)
    }

    /// Why a write failed. A writer that took the slug or a SKU between our look and our
    /// write lost us a race: that is the same refusal as finding it taken. (A derived slug
    /// lost this way is reported on `slug` too: asking again derives a free one.)
    async fn lost_race(&self, err: DbErr, variants: &[NewVariant]) -> DomainError<Refusal> {
        match store::taken(&err) {
            Some(Taken::ProductSlug) => DomainError::Refused(Refusal::SlugTaken),
            // The error names the key, not the SKU; the winner has committed (a unique
            // violation waits for that), so looking again finds which of ours it took.
            Some(Taken::Sku) => match skus_taken(&self.db, variants).await {
                Ok(Some(taken)) => DomainError::Refused(taken),
                Ok(None) => err.into(),
                Err(looking) => looking.into(),
            },
            _ => err.into(),
        }
    }

    pub async fn update_product(
        &self,
        id: &str,
        changes: ProductChanges,
    ) -> Result<product::Model, DomainError<Refusal>> {
        let txn = begin_write(&self.db).await?;
        let Some(mut product) = product_in(&txn, id).await? else {
            return refuse(Refusal::ProductNotFound);
        };
        let (changes, mut wrong) = rules::check_changes(changes);
        match &changes.category_id {
            None => {}
            Some(None) => product.category_id = None,
            Some(Some(category)) => match category_in(&txn, category).await? {
                Some(c) => product.category_id = Some(c.id),
                None => wrong.push(Refusal::CategoryNotFound),
            },
        }
        if let Some(refusal) = Refusal::of_all(wrong) {
            return refuse(refusal);
        }
        if let Some(name) = changes.name {
            product.name = name;
        }
        if let Some(description) = changes.description {
            product.description = description;
        }
        store::update_product_fields(&txn, &product).await?;
        if let Some(tags) = &changes.tags {
            store::replace_tags(&txn, product.id, tags).await?;
        }
        if let Some(images) = &changes.images {
            store::replace_images(&txn, product.id, images).await?;
        }
        if product.archived_at.is_none() {
            self.announce_change(&txn, &product).await?;
        }
        self.commit(txn).await?;
        Ok(product)
    }

    /// Hides the product from shop and search; orders keep it. Archiving twice is fine.
    pub async fn archive_product(&self, id: &str) -> Result<product::Model, DomainError<Refusal>> {
        let txn = begin_write(&self.db).await?;
        let Some(mut product) = product_in(&txn, id).await? else {
            return refuse(Refusal::ProductNotFound);
        };
        if product.archived_at.is_none() {
            product.archived_at = Some(Utc::now());
            store::update_product_fields(&txn, &product).await?;
            self.announce_archived(&txn, product.id).await?;
        }
        self.commit(txn).await?;
        Ok(product)
    }

    /// Reprices one variant; answers its product.
    pub async fn set_variant_price(
        &self,
        variant_id: &str,
        price: Decimal,
    ) -> Result<product::Model, DomainError<Refusal>> {
        let price = rules::check_price(price, &self.currency, Priced::Argument).or_refuse()?;
        let Ok(variant_id) = Uuid::parse_str(variant_id) else {
            return refuse(Refusal::VariantNotFound);
        };
        let txn = begin_write(&self.db).await?;
        let Some(variant) = store::variant(&txn, variant_id).await? else {
            return refuse(Refusal::VariantNotFound);
        };
        store::set_variant_price(&txn, variant.id, price).await?;
        let Some(product) = store::product(&txn, variant.product_id).await? else {
            return refuse(Refusal::VariantNotFound);
        };
        if product.archived_at.is_none() {
            self.announce_change(&txn, &product).await?;
        }
        self.commit(txn).await?;
        Ok(product)
    }
}

/// The product's rows: itself, its tags, images and variants (in input order).
async fn insert(
    conn: &impl ConnectionTrait,
    product: &product::Model,
    input: &NewProduct,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    store::insert_product(conn, product.clone()).await?;
    store::replace_tags(conn, product.id, &input.tags).await?;
    store::replace_images(conn, product.id, &input.images).await?;
    let variants = input
        .variants
        .iter()
        .enumerate()
        .map(|(position, v)| variant::Model {
            id: Uuid::now_v7(),
            product_id: product.id,
            sku: v.sku.clone(),
            name: v.name.clone(),
            price: v.price,
            attributes: serde_json::json!(
                v.attributes
                    .iter()
                    .map(|(n, val)| serde_json::json!({ "name": n, "value": val }))
                    .collect::<Vec<_>>()
            ),
            position: position as i32,
            created_at: now,
            weight_grams: v.weight_grams,
        })
        .collect();
    store::insert_variants(conn, variants).await
}

/// Which of the variants have a SKU some product already has, as one refusal.
async fn skus_taken(
    conn: &impl ConnectionTrait,
    variants: &[NewVariant],
) -> Result<Option<Refusal>, DbErr> {
    let skus: Vec<String> = variants.iter().map(|v| v.sku.clone()).collect();
    let taken = store::existing_skus(conn, &skus).await?;
    Ok(rules::skus_taken(variants, &taken))
}

/// A slug derived from the name, numbered when taken.
async fn free_slug(conn: &impl ConnectionTrait, name: &str) -> Result<String, DbErr> {
    let base = match rules::slugify(name) {
        s if s.is_empty() => "product".to_owned(),
        s => s,
    };
    for n in 1..1000 {
        let candidate = if n == 1 {
            base.clone()
        } else {
            format!("{base}-{n}")
        };
        if !store::slug_exists(conn, &candidate).await? {
            return Ok(candidate);
        }
    }
    Ok(format!("{base}-{}", Uuid::now_v7().simple()))
}
