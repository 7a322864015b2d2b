//! The catalog rules: what a valid product is, how slugs are chosen, what the shop sees, and
//! what other domains are told. Resolvers call these and only translate.

use std::collections::{HashMap, HashSet};

use chrono::Utc;
use micromall_kit::db::{begin_write, is_unique_violation};
use micromall_kit::events::outbox::Outbox;
use micromall_kit::pagination::PageRequest;
use micromall_kit::{ApiError, ApiResult, UserError};
use rust_decimal::Decimal;
use sea_orm::{ConnectionTrait, DatabaseConnection};
use serde::Serialize;
use uuid::Uuid;

use crate::entity::{category, product, variant};
use crate::events::{PRODUCT_ARCHIVED, PRODUCT_CHANGED};
use crate::rules;
use crate::store;

pub type Outcome<T> = Result<T, Vec<UserError>>;

/// A category row, as seeding code receives it.
pub type CategoryModel = category::Model;

fn one(error: UserError) -> Vec<UserError> {
    vec![error]
}

/// A variant as an admin describes it.
pub struct NewVariant {
    pub sku: String,
    pub name: String,
    pub price: Decimal,
    pub attributes: Vec<(String, String)>,
}

pub struct NewProduct {
    pub name: String,
    pub slug: Option<String>,
    pub description: String,
    pub category_id: Option<String>,
    pub tags: Vec<String>,
    pub images: Vec<(String, Option<String>)>,
    pub variants: Vec<NewVariant>,
}

#[derive(Default)]
pub struct ProductChanges {
    pub name: Option<String>,
    pub description: Option<String>,
    pub category_id: Option<Option<String>>,
    pub tags: Option<Vec<String>>,
    pub images: Option<Vec<(String, Option<String>)>>,
}

/// What `catalog.product.changed` carries: enough for search to index the product without
/// reading catalog's tables.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ProductSnapshot {
    pub id: Uuid,
    pub slug: String,
    pub name: String,
    pub description: String,
    pub category_id: Option<Uuid>,
    /// The category and its ancestors, nearest first, so search can filter by any of them.
    pub category_path: Vec<CategoryRef>,
    pub tags: Vec<String>,
    pub min_price: Option<Decimal>,
    pub currency: String,
    pub variant_ids: Vec<Uuid>,
    pub created_at: chrono::DateTime<Utc>,
}

#[derive(Serialize)]
pub struct CategoryRef {
    pub id: Uuid,
    pub name: String,
}

pub struct Catalog {
    pub db: DatabaseConnection,
    pub outbox: Outbox,
    pub currency: String,
}

impl Catalog {
    /// Whether the catalog holds no category and no product yet.
    pub async fn is_empty(&self) -> ApiResult<bool> {
        let (products, total) = store::list_products(&self.db, None, None, None, 1).await?;
        Ok(products.is_empty() && total == 0 && store::root_categories(&self.db).await?.is_empty())
    }

    /// Every variant id, in creation order (for seeding other domains' demo data).
    pub async fn variant_ids(&self) -> ApiResult<Vec<Uuid>> {
        use sea_orm::{EntityTrait, QueryOrder, QuerySelect};
        Ok(variant::Entity::find()
            .select_only()
            .column(variant::Column::Id)
            .order_by_asc(variant::Column::Id)
            .into_tuple()
            .all(&self.db)
            .await?)
    }

    pub async fn create_category(
        &self,
        name: &str,
        slug: Option<&str>,
        parent: Option<&str>,
    ) -> ApiResult<Outcome<category::Model>> {
        let name = match rules::clean_name(name, &["input", "name"]) {
            Ok(name) => name,
            Err(e) => return Ok(Err(one(e))),
        };
        let slug = match slug {
            Some(s) => match rules::check_slug(s) {
                Ok(()) => s.to_owned(),
                Err(e) => return Ok(Err(one(e))),
            },
            None => rules::slugify(&name),
        };
        if slug.is_empty() {
            return Ok(Err(one(UserError::new(
                "INVALID_SLUG",
                "give the category a slug",
            )
            .at(&["input", "slug"]))));
        }
        let txn = begin_write(&self.db).await?;
        let parent = match parent {
            None => None,
            Some(id) => match self.category(&txn, id).await? {
                Some(parent) => Some(parent.id),
                None => {
                    return Ok(Err(one(UserError::new(
                        "CATEGORY_NOT_FOUND",
                        "no such parent category",
                    )
                    .at(&["input", "parentId"]))));
                }
            },
        };
        let taken = || {
            Ok(Err(one(UserError::new(
                "SLUG_TAKEN",
                "a category with this slug exists",
            )
            .at(&["input", "slug"]))))
        };
        if store::category_slug_exists(&txn, &slug).await? {
            return taken();
        }
        match store::insert_category(&txn, &name, &slug, parent).await {
            Ok(category) => {
                txn.commit().await?;
                Ok(Ok(category))
            }
            Err(e) if is_unique_violation(&e) => taken(),
            Err(e) => Err(e.into()),
        }
    }

    async fn category(
        &self,
        conn: &impl ConnectionTrait,
        id: &str,
    ) -> ApiResult<Option<category::Model>> {
        let Ok(id) = Uuid::parse_str(id) else {
            return Ok(None);
        };
        Ok(store::categories_by_ids(conn, &[id])
            .await?
            .into_iter()
            .next())
    }

    pub async fn create_product(&self, input: NewProduct) -> ApiResult<Outcome<product::Model>> {
        let mut errors = Vec::new();
        let name = rules::clean_name(&input.name, &["input", "name"])
            .map_err(|e| errors.push(e))
            .ok();
        let description = rules::clean_description(&input.description)
            .map_err(|e| errors.push(e))
            .ok();
        let tags = rules::clean_tags(&input.tags)
            .map_err(|e| errors.push(e))
            .ok();
        if let Some(Err(e)) = input.slug.as_deref().map(rules::check_slug) {
            errors.push(e);
        }
        if input.images.len() > rules::MAX_IMAGES {
            errors.push(
                UserError::new("INVALID_IMAGE", "at most 20 images").at(&["input", "images"]),
            );
        }
        for (url, alt) in &input.images {
            if let Err(e) = rules::check_image_url(url) {
                errors.push(e);
            }
            if alt
                .as_ref()
                .is_some_and(|a| a.chars().count() > rules::MAX_NAME_CHARS)
            {
                errors.push(
                    UserError::new("INVALID_IMAGE", "alt text must be at most 200 characters")
                        .at(&["input", "images"]),
                );
            }
        }
        let variants = self.check_variants(&input.variants, &mut errors);
        let (Some(name), Some(description), Some(tags), true) =
            (name, description, tags, errors.is_empty())
        else {
            return Ok(Err(errors));
        };

        let txn = begin_write(&self.db).await?;
        let category_id = match &input.category_id {
            None => None,
            Some(id) => match self.category(&txn, id).await? {
                Some(c) => Some(c.id),
                None => {
                    return Ok(Err(one(UserError::new(
                        "CATEGORY_NOT_FOUND",
                        "no such category",
                    )
                    .at(&["input", "categoryId"]))));
                }
            },
        };
        let skus: Vec<String> = variants.iter().map(|v| v.sku.clone()).collect();
        let taken_skus = store::existing_skus(&txn, &skus).await?;
        if !taken_skus.is_empty() {
            return Ok(Err(taken_skus
                .iter()
                .map(|sku| {
                    UserError::new("SKU_TAKEN", format!("SKU {sku} is taken"))
                        .at(&["input", "variants"])
                })
                .collect()));
        }
        let slug = match &input.slug {
            Some(slug) if store::slug_exists(&txn, slug).await? => {
                return Ok(Err(one(UserError::new(
                    "SLUG_TAKEN",
                    "a product with this slug exists",
                )
                .at(&["input", "slug"]))));
            }
            Some(slug) => slug.clone(),
            None => self.free_slug(&txn, &name).await?,
        };
        let now = Utc::now();
        let id = Uuid::now_v7();
        let inserted = store::insert_product(
            &txn,
            product::Model {
                id,
                slug,
                name,
                description,
                category_id,
                archived_at: None,
                created_at: now,
                updated_at: now,
            },
        )
        .await;
        let product = match inserted {
            Ok(p) => p,
            // A racing writer took the slug or a SKU between our check and our insert.
            Err(e) if is_unique_violation(&e) => {
                return Ok(Err(one(UserError::new(
                    "SLUG_TAKEN",
                    "a product with this slug or SKU exists",
                )
                .at(&["input"]))));
            }
            Err(e) => return Err(e.into()),
        };
        store::replace_tags(&txn, id, &tags).await?;
        store::replace_images(&txn, id, &input.images).await?;
        let variant_rows = variants
            .into_iter()
            .enumerate()
            .map(|(i, v)| variant::Model {
                id: Uuid::now_v7(),
                product_id: id,
                sku: v.sku,
                name: v.name,
                price: v.price,
                attributes: serde_json::json!(
                    v.attributes
                        .iter()
                        .map(|(n, val)| serde_json::json!({ "name": n, "value": val }))
                        .collect::<Vec<_>>()
                ),
                position: i as i32,
                created_at: now,
            })
            .collect();
        if let Err(e) = store::insert_variants(&txn, variant_rows).await {
            if is_unique_violation(&e) {
                return Ok(Err(one(
                    UserError::new("SKU_TAKEN", "a SKU is taken").at(&["input", "variants"])
                )));
            }
            return Err(e.into());
        }
        self.announce_change(&txn, &product).await?;
        txn.commit().await?;
        self.outbox.wake();
        Ok(Ok(product))
    }

    fn check_variants(
        &self,
        variants: &[NewVariant],
        errors: &mut Vec<UserError>,
    ) -> Vec<NewVariant> {
        if variants.is_empty() {
            errors.push(
                UserError::new("NO_VARIANTS", "a product needs at least one variant")
                    .at(&["input", "variants"]),
            );
            return Vec::new();
        }
        if variants.len() > rules::MAX_VARIANTS {
            errors.push(
                UserError::new("NO_VARIANTS", "at most 100 variants").at(&["input", "variants"]),
            );
            return Vec::new();
        }
        let mut seen = HashSet::new();
        let mut out = Vec::new();
        for (i, v) in variants.iter().enumerate() {
            let index = i.to_string();
            let path = ["input", "variants", index.as_str()];
            let sku = match rules::check_sku(&v.sku, &[&path[..], &["sku"]].concat()) {
                Ok(sku) => sku,
                Err(e) => {
                    errors.push(e);
                    continue;
                }
            };
            if !seen.insert(sku.to_lowercase()) {
                errors.push(
                    UserError::new("SKU_TAKEN", format!("SKU {sku} appears twice")).at(&[
                        &path[..],
                        &["sku"],
                    ]
                    .concat()),
                );
            }
            let name = rules::clean_name(&v.name, &[&path[..], &["name"]].concat())
                .map_err(|e| errors.push(e))
                .ok();
            let price =
                rules::check_price(v.price, &self.currency, &[&path[..], &["price"]].concat())
                    .map_err(|e| errors.push(e))
                    .ok();
            if v.attributes.len() > rules::MAX_ATTRIBUTES
                || v.attributes.iter().any(|(n, val)| {
                    n.trim().is_empty() || n.chars().count() > 100 || val.chars().count() > 200
                })
            {
                errors.push(
                    UserError::new(
                        "INVALID_ATTRIBUTE",
                        "attributes need a name (1-100 characters) and a value (at most 200)",
                    )
                    .at(&[&path[..], &["attributes"]].concat()),
                );
            }
            if let (Some(name), Some(price)) = (name, price) {
                out.push(NewVariant {
                    sku,
                    name,
                    price,
                    attributes: v
                        .attributes
                        .iter()
                        .map(|(n, val)| (n.trim().to_owned(), val.trim().to_owned()))
                        .collect(),
                });
            }
        }
        out
    }

    /// A slug derived from the name, numbered when taken.
    async fn free_slug(&self, conn: &impl ConnectionTrait, name: &str) -> ApiResult<String> {
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

    pub async fn update_product(
        &self,
        id: &str,
        changes: ProductChanges,
    ) -> ApiResult<Outcome<product::Model>> {
        let txn = begin_write(&self.db).await?;
        let Some(mut product) = self.product_any(&txn, id).await? else {
            return Ok(Err(one(
                UserError::new("NOT_FOUND", "no such product").at(&["id"])
            )));
        };
        let mut errors = Vec::new();
        if let Some(name) = &changes.name {
            match rules::clean_name(name, &["input", "name"]) {
                Ok(n) => product.name = n,
                Err(e) => errors.push(e),
            }
        }
        if let Some(description) = &changes.description {
            match rules::clean_description(description) {
                Ok(d) => product.description = d,
                Err(e) => errors.push(e),
            }
        }
        let tags = match &changes.tags {
            Some(tags) => rules::clean_tags(tags).map_err(|e| errors.push(e)).ok(),
            None => None,
        };
        if let Some(images) = &changes.images {
            for (url, _) in images {
                if let Err(e) = rules::check_image_url(url) {
                    errors.push(e);
                }
            }
        }
        if let Some(category) = &changes.category_id {
            match category {
                None => product.category_id = None,
                Some(cid) => match self.category(&txn, cid).await? {
                    Some(c) => product.category_id = Some(c.id),
                    None => errors.push(
                        UserError::new("CATEGORY_NOT_FOUND", "no such category")
                            .at(&["input", "categoryId"]),
                    ),
                },
            }
        }
        if !errors.is_empty() {
            return Ok(Err(errors));
        }
        store::update_product_fields(&txn, &product).await?;
        if let Some(tags) = tags {
            store::replace_tags(&txn, product.id, &tags).await?;
        }
        if let Some(images) = &changes.images {
            store::replace_images(&txn, product.id, images).await?;
        }
        if product.archived_at.is_none() {
            self.announce_change(&txn, &product).await?;
        }
        txn.commit().await?;
        self.outbox.wake();
        Ok(Ok(product))
    }

    pub async fn archive_product(&self, id: &str) -> ApiResult<Outcome<product::Model>> {
        let txn = begin_write(&self.db).await?;
        let Some(mut product) = self.product_any(&txn, id).await? else {
            return Ok(Err(one(
                UserError::new("NOT_FOUND", "no such product").at(&["id"])
            )));
        };
        if product.archived_at.is_none() {
            product.archived_at = Some(Utc::now());
            store::update_product_fields(&txn, &product).await?;
            self.outbox
                .enqueue(
                    &txn,
                    PRODUCT_ARCHIVED,
                    &serde_json::json!({ "id": product.id }),
                )
                .await?;
        }
        txn.commit().await?;
        self.outbox.wake();
        Ok(Ok(product))
    }

    pub async fn set_variant_price(
        &self,
        variant_id: &str,
        price: Decimal,
    ) -> ApiResult<Outcome<product::Model>> {
        let price = match rules::check_price(price, &self.currency, &["price"]) {
            Ok(p) => p,
            Err(e) => return Ok(Err(one(e))),
        };
        let not_found = || {
            Ok(Err(one(
                UserError::new("NOT_FOUND", "no such variant").at(&["variantId"])
            )))
        };
        let Ok(variant_id) = Uuid::parse_str(variant_id) else {
            return not_found();
        };
        let txn = begin_write(&self.db).await?;
        let Some(variant) = store::variants_by_ids(&txn, &[variant_id])
            .await?
            .into_iter()
            .next()
        else {
            return not_found();
        };
        store::set_variant_price(&txn, variant.id, price).await?;
        let Some(product) = store::products_by_ids(&txn, &[variant.product_id])
            .await?
            .into_iter()
            .next()
        else {
            return not_found();
        };
        if product.archived_at.is_none() {
            self.announce_change(&txn, &product).await?;
        }
        txn.commit().await?;
        self.outbox.wake();
        Ok(Ok(product))
    }

    /// Any product, archived or not (for admins and for orders that hold it).
    async fn product_any(
        &self,
        conn: &impl ConnectionTrait,
        id: &str,
    ) -> ApiResult<Option<product::Model>> {
        let Ok(id) = Uuid::parse_str(id) else {
            return Ok(None);
        };
        Ok(store::products_by_ids(conn, &[id])
            .await?
            .into_iter()
            .next())
    }

    /// A product as the shop shows it: archived ones are not there.
    pub async fn shop_product(
        &self,
        id: Option<&str>,
        slug: Option<&str>,
    ) -> ApiResult<Option<product::Model>> {
        let product = match (id, slug) {
            (Some(id), _) => self.product_any(&self.db, id).await?,
            (None, Some(slug)) => store::product_by_slug(&self.db, slug).await?,
            (None, None) => return Err(ApiError::bad_input("give `id` or `slug`")),
        };
        Ok(product.filter(|p| p.archived_at.is_none()))
    }

    /// Shop-visible products, in a category (and its descendants) and/or with a tag.
    pub async fn products(
        &self,
        category: Option<&str>,
        tag: Option<&str>,
        page: &PageRequest,
    ) -> ApiResult<(Vec<product::Model>, u64)> {
        let after = page
            .after
            .as_deref()
            .map(Uuid::parse_str)
            .transpose()
            .map_err(|_| ApiError::bad_input("`after` is not a valid cursor"))?;
        let categories = match category {
            None => None,
            Some(id) => match Uuid::parse_str(id) {
                Ok(id) => Some(self.with_descendants(id).await?),
                Err(_) => return Ok((Vec::new(), 0)),
            },
        };
        Ok(store::list_products(
            &self.db,
            categories.as_deref(),
            tag,
            after,
            page.fetch_limit(),
        )
        .await?)
    }

    async fn with_descendants(&self, root: Uuid) -> ApiResult<Vec<Uuid>> {
        let tree = self.category_tree().await?;
        Ok(descendants(&tree, root))
    }

    /// Parent → children, for the whole (small) category tree.
    async fn category_tree(&self) -> ApiResult<HashMap<Uuid, Vec<Uuid>>> {
        let mut children: HashMap<Uuid, Vec<Uuid>> = HashMap::new();
        for c in store::all_categories(&self.db).await? {
            if let Some(parent) = c.parent_id {
                children.entry(parent).or_default().push(c.id);
            }
        }
        Ok(children)
    }

    /// The first `n` shop-visible products (and the total) of each requested category and its
    /// descendants, for many categories at once: what a list of categories with their
    /// products needs, in three queries whatever the list's length.
    pub async fn first_products_of(
        &self,
        requests: &[(Uuid, u64)],
    ) -> ApiResult<HashMap<(Uuid, u64), (Vec<product::Model>, u64)>> {
        let tree = self.category_tree().await?;
        let scopes: Vec<(Uuid, u64, Vec<Uuid>)> = requests
            .iter()
            .map(|&(root, n)| (root, n, descendants(&tree, root)))
            .collect();
        let mut all: Vec<Uuid> = scopes
            .iter()
            .flat_map(|(_, _, d)| d.iter().copied())
            .collect();
        all.sort();
        all.dedup();
        let limit = requests.iter().map(|(_, n)| n + 1).max().unwrap_or(1);
        let (rows, counts) = store::first_products_per_category(&self.db, &all, limit).await?;
        Ok(scopes
            .into_iter()
            .map(|(root, n, scope)| {
                let mut mine: Vec<product::Model> = rows
                    .iter()
                    .filter(|p| p.category_id.is_some_and(|c| scope.contains(&c)))
                    .cloned()
                    .collect();
                mine.sort_by_key(|p| p.id);
                mine.truncate(n as usize + 1);
                let total = scope.iter().filter_map(|c| counts.get(c)).sum();
                ((root, n), (mine, total))
            })
            .collect())
    }

    /// Announces every product again (`changed`, or `archived` for archived ones), so a
    /// consumer can rebuild what it derives from the catalog. Returns how many.
    pub async fn announce_all(&self) -> ApiResult<u64> {
        let mut after: Option<Uuid> = None;
        let mut announced = 0;
        loop {
            let batch = store::products_page(&self.db, after, 200).await?;
            let Some(last) = batch.last() else { break };
            after = Some(last.id);
            let txn = begin_write(&self.db).await?;
            for product in &batch {
                match product.archived_at {
                    Some(_) => {
                        self.outbox
                            .enqueue(
                                &txn,
                                PRODUCT_ARCHIVED,
                                &serde_json::json!({ "id": product.id }),
                            )
                            .await?;
                    }
                    None => self.announce_change(&txn, product).await?,
                }
                announced += 1;
            }
            txn.commit().await?;
            self.outbox.wake();
        }
        Ok(announced)
    }

    /// Writes `catalog.product.changed` in the caller's transaction.
    async fn announce_change(
        &self,
        conn: &impl ConnectionTrait,
        product: &product::Model,
    ) -> ApiResult<()> {
        let variants = store::variants_by_product(conn, &[product.id])
            .await?
            .remove(&product.id)
            .unwrap_or_default();
        let tags = store::tags_by_product(conn, &[product.id])
            .await?
            .remove(&product.id)
            .unwrap_or_default();
        let mut category_path = Vec::new();
        let mut next = product.category_id;
        while let Some(id) = next {
            let Some(c) = store::categories_by_ids(conn, &[id])
                .await?
                .into_iter()
                .next()
            else {
                break;
            };
            if category_path.iter().any(|r: &CategoryRef| r.id == c.id) {
                break;
            }
            next = c.parent_id;
            category_path.push(CategoryRef {
                id: c.id,
                name: c.name,
            });
        }
        let snapshot = ProductSnapshot {
            id: product.id,
            slug: product.slug.clone(),
            name: product.name.clone(),
            description: product.description.clone(),
            category_id: product.category_id,
            category_path,
            tags,
            min_price: variants
                .iter()
                .map(|v| v.price)
                .min()
                .map(|p| micromall_kit::money::round_to_currency(p, &self.currency)),
            currency: self.currency.clone(),
            variant_ids: variants.iter().map(|v| v.id).collect(),
            created_at: product.created_at,
        };
        self.outbox
            .enqueue(conn, PRODUCT_CHANGED, &snapshot)
            .await?;
        Ok(())
    }
}

/// `root` and every category below it.
fn descendants(children: &HashMap<Uuid, Vec<Uuid>>, root: Uuid) -> Vec<Uuid> {
    let mut out = vec![root];
    let mut i = 0;
    while i < out.len() {
        if let Some(kids) = children.get(&out[i]) {
            for kid in kids {
                if !out.contains(kid) {
                    out.push(*kid);
                }
            }
        }
        i += 1;
    }
    out
}
