//! What the shop reads: products by id or slug, pages of products by category and tag, the
//! category tree; the batches the schema's loaders ask for; the facts other services need.

use std::collections::HashMap;

use micromall_kit::contracts::catalog::{KnownRequest, VariantFacts};
use micromall_kit::pagination::PageRequest;
use micromall_kit::{ApiError, ApiResult};
use sea_orm::DbErr;
use uuid::Uuid;

use super::{Catalog, product_in};
use crate::entity::{category, product, product_image, variant};
use crate::store;

impl Catalog {
    /// A product as the shop shows it: archived ones are not there.
    pub async fn shop_product(
        &self,
        id: Option<&str>,
        slug: Option<&str>,
    ) -> ApiResult<Option<product::Model>> {
        let product = match (id, slug) {
            (Some(id), _) => product_in(&self.db, id).await?,
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
        let after = after_id(page)?;
        let categories = match category {
            None => None,
            Some(id) => match Uuid::parse_str(id) {
                Ok(id) => Some(descendants(&self.category_tree().await?, id)),
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

    /// The categories at the root of the tree.
    pub async fn root_categories(&self) -> Result<Vec<category::Model>, DbErr> {
        store::root_categories(&self.db).await
    }

    /// The first `n` shop-visible products (and the total) of each requested category and its
    /// descendants, for many categories at once: what a list of categories with their
    /// products needs, in three queries whatever the list's length.
    pub async fn first_products_of(
        &self,
        requests: &[(Uuid, u64)],
    ) -> Result<HashMap<(Uuid, u64), (Vec<product::Model>, u64)>, DbErr> {
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

    /// Parent → children, for the whole (small) category tree.
    async fn category_tree(&self) -> Result<HashMap<Uuid, Vec<Uuid>>, DbErr> {
        let mut children: HashMap<Uuid, Vec<Uuid>> = HashMap::new();
        for c in store::all_categories(&self.db).await? {
            if let Some(parent) = c.parent_id {
                children.entry(parent).or_default().push(c.id);
            }
        }
        Ok(children)
    }

    // Batches for the schema's loaders: one query for any number of keys.

    pub async fn products_by_ids(
        &self,
        ids: &[Uuid],
    ) -> Result<HashMap<Uuid, product::Model>, DbErr> {
        Ok(by_id(store::products_by_ids(&self.db, ids).await?, |p| {
            p.id
        }))
    }

    pub async fn variants_by_ids(
        &self,
        ids: &[Uuid],
    ) -> Result<HashMap<Uuid, variant::Model>, DbErr> {
        Ok(by_id(store::variants_by_ids(&self.db, ids).await?, |v| {
            v.id
        }))
    }

    pub async fn categories_by_ids(
        &self,
        ids: &[Uuid],
    ) -> Result<HashMap<Uuid, category::Model>, DbErr> {
        Ok(by_id(store::categories_by_ids(&self.db, ids).await?, |c| {
            c.id
        }))
    }

    /// Variants of each product, in their order.
    pub async fn variants_of(
        &self,
        products: &[Uuid],
    ) -> Result<HashMap<Uuid, Vec<variant::Model>>, DbErr> {
        store::variants_by_product(&self.db, products).await
    }

    pub async fn tags_of(&self, products: &[Uuid]) -> Result<HashMap<Uuid, Vec<String>>, DbErr> {
        store::tags_by_product(&self.db, products).await
    }

    pub async fn images_of(
        &self,
        products: &[Uuid],
    ) -> Result<HashMap<Uuid, Vec<product_image::Model>>, DbErr> {
        store::images_by_product(&self.db, products).await
    }

    /// Subcategories of each category, by name.
    pub async fn children_of(
        &self,
        categories: &[Uuid],
    ) -> Result<HashMap<Uuid, Vec<category::Model>>, DbErr> {
        store::children_by_parent(&self.db, categories).await
    }

    /// What cart and checkout need to know of these variants; unknown ids are left out.
    pub async fn variant_facts(&self, ids: &[Uuid]) -> Result<Vec<VariantFacts>, DbErr> {
        let variants = store::variants_by_ids(&self.db, ids).await?;
        let product_ids: Vec<Uuid> = variants.iter().map(|v| v.product_id).collect();
        let products = self.products_by_ids(&product_ids).await?;
        let categories: Vec<Uuid> = products.values().filter_map(|p| p.category_id).collect();
        let lineage = self.lineage(&categories).await?;
        Ok(variants
            .into_iter()
            .filter_map(|v| {
                let product = products.get(&v.product_id)?;
                Some(VariantFacts {
                    id: v.id,
                    sku: v.sku,
                    name: v.name,
                    product_id: v.product_id,
                    product_name: product.name.clone(),
                    price: v.price,
                    currency: self.currency.clone(),
                    purchasable: product.archived_at.is_none(),
                    weight_grams: v.weight_grams,
                    category_ids: product
                        .category_id
                        .and_then(|c| lineage.get(&c).cloned())
                        .unwrap_or_default(),
                })
            })
            .collect())
    }

    /// Each of `categories` with every category above it (itself first): one query per
    /// level of the tree, however many categories are asked about.
    pub async fn lineage(&self, categories: &[Uuid]) -> Result<HashMap<Uuid, Vec<Uuid>>, DbErr> {
        // A parent chain longer than this is a cycle or a corrupt tree: stop there.
        const MAX_DEPTH: usize = 32;
        let mut parents: HashMap<Uuid, Option<Uuid>> = HashMap::new();
        let mut frontier: Vec<Uuid> = categories.to_vec();
        for _ in 0..MAX_DEPTH {
            frontier.retain(|id| !parents.contains_key(id));
            frontier.sort_unstable();
            frontier.dedup();
            if frontier.is_empty() {
                break;
            }
            let found = store::categories_by_ids(&self.db, &frontier).await?;
            for id in &frontier {
                parents.insert(*id, None);
            }
            frontier = found
                .iter()
                .filter_map(|c| {
                    parents.insert(c.id, c.parent_id);
                    c.parent_id
                })
                .collect();
        }
        Ok(categories
            .iter()
            .map(|start| {
                let mut chain = vec![*start];
                while let Some(Some(parent)) = parents.get(chain.last().unwrap_or(start)) {
                    if chain.contains(parent) || chain.len() >= MAX_DEPTH {
                        break;
                    }
                    chain.push(*parent);
                }
                (*start, chain)
            })
            .collect())
    }

    /// Those of the ids that name a category or a product (archived products included).
    pub async fn known(&self, asked: &KnownRequest) -> Result<KnownRequest, DbErr> {
        let categories = store::categories_by_ids(&self.db, &asked.category_ids).await?;
        let products = store::products_by_ids(&self.db, &asked.product_ids).await?;
        Ok(KnownRequest {
            category_ids: categories.into_iter().map(|c| c.id).collect(),
            product_ids: products.into_iter().map(|p| p.id).collect(),
        })
    }

    // For seeding the demo shop.

    /// Whether the catalog holds no category and no product yet.
    pub async fn is_empty(&self) -> Result<bool, DbErr> {
        let (products, total) = store::list_products(&self.db, None, None, None, 1).await?;
        Ok(products.is_empty() && total == 0 && store::root_categories(&self.db).await?.is_empty())
    }

    /// Every variant id, in creation order (for seeding other domains' demo data).
    pub async fn variant_ids(&self) -> Result<Vec<Uuid>, DbErr> {
        store::variant_ids(&self.db).await
    }
}

/// The product a page starts after (our cursors are product ids).
fn after_id(page: &PageRequest) -> ApiResult<Option<Uuid>> {
    let Some(cursor) = page.after.as_deref() else {
        return Ok(None);
    };
    Uuid::parse_str(cursor)
        .map(Some)
        .map_err(|_| ApiError::bad_input("`after` is not a valid cursor"))
}

fn by_id<T>(rows: Vec<T>, id: impl Fn(&T) -> Uuid) -> HashMap<Uuid, T> {
    rows.into_iter().map(|row| (id(&row), row)).collect()
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
