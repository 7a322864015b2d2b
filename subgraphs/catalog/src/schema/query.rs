use std::sync::Arc;

use async_graphql::dataloader::DataLoader;
use async_graphql::{Context, ID, Object, Result};
use micromall_kit::graphql::{by_first, edges_and_nodes, list_size, paged_complexity};
use micromall_kit::pagination::{Page, PageRequest, build_page};
use uuid::Uuid;

use super::loaders::{CategoryLoader, ProductLoader, VariantLoader};
use super::types::{Category, Product, ProductFilter, ProductVariant};
use crate::service::Catalog;
use crate::store;

pub struct Query;

fn catalog<'a>(ctx: &'a Context<'_>) -> &'a Catalog {
    ctx.data_unchecked::<Arc<Catalog>>()
}

#[Object]
impl Query {
    /// A product of the shop, by id or slug; archived products are not found.
    async fn product(
        &self,
        ctx: &Context<'_>,
        id: Option<ID>,
        slug: Option<String>,
    ) -> Result<Option<Product>> {
        Ok(catalog(ctx)
            .shop_product(id.as_ref().map(|id| id.as_str()), slug.as_deref())
            .await?
            .map(Product))
    }

    #[graphql(
        directive = list_size::apply(None, by_first(), edges_and_nodes()),
        complexity = "paged_complexity(first, child_complexity)"
    )]
    async fn products(
        &self,
        ctx: &Context<'_>,
        #[graphql(default = 20)] first: Option<i32>,
        after: Option<String>,
        filter: Option<ProductFilter>,
    ) -> Result<Page<Product>> {
        let page = PageRequest::parse(first, after)?;
        let (category, tag) = match &filter {
            Some(f) => (
                f.category_id.as_ref().map(|id| id.as_str()),
                f.tag.as_deref(),
            ),
            None => (None, None),
        };
        let (rows, total) = catalog(ctx).products(category, tag, &page).await?;
        Ok(build_page(
            &page,
            rows,
            total,
            |p| p.id.to_string(),
            Product,
        ))
    }

    /// Root categories.
    async fn categories(&self, ctx: &Context<'_>) -> Result<Vec<Category>> {
        let roots = store::root_categories(&catalog(ctx).db)
            .await
            .map_err(micromall_kit::ApiError::from)?;
        Ok(roots.into_iter().map(Category).collect())
    }

    /// Federation: products by id, archived ones included (orders hold them).
    #[graphql(entity)]
    async fn find_product_by_id(&self, ctx: &Context<'_>, id: ID) -> Result<Option<Product>> {
        let Ok(id) = Uuid::parse_str(&id) else {
            return Ok(None);
        };
        Ok(ctx
            .data_unchecked::<DataLoader<ProductLoader>>()
            .load_one(id)
            .await?
            .map(Product))
    }

    #[graphql(entity)]
    async fn find_variant_by_id(
        &self,
        ctx: &Context<'_>,
        id: ID,
    ) -> Result<Option<ProductVariant>> {
        let Ok(id) = Uuid::parse_str(&id) else {
            return Ok(None);
        };
        Ok(ctx
            .data_unchecked::<DataLoader<VariantLoader>>()
            .load_one(id)
            .await?
            .map(ProductVariant))
    }

    #[graphql(entity)]
    async fn find_category_by_id(&self, ctx: &Context<'_>, id: ID) -> Result<Option<Category>> {
        let Ok(id) = Uuid::parse_str(&id) else {
            return Ok(None);
        };
        Ok(ctx
            .data_unchecked::<DataLoader<CategoryLoader>>()
            .load_one(id)
            .await?
            .map(Category))
    }
}
