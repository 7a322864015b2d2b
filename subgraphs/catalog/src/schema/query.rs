use async_graphql::{Context, ID, Object, Result};
use micromall_kit::ApiError;
use micromall_kit::graphql::{by_first, edges_and_nodes, list_size, paged_complexity, service};
use micromall_kit::pagination::{Page, PageRequest};
use uuid::Uuid;

use super::loaders::{CategoryLoader, ProductLoader, VariantLoader, load};
use super::types::{Category, Product, ProductFilter, ProductVariant, page_of_products};
use crate::service::Catalog;

pub struct Query;

#[Object]
impl Query {
    /// A product of the shop, by id or slug; archived products are not found.
    async fn product(
        &self,
        ctx: &Context<'_>,
        id: Option<ID>,
        slug: Option<String>,
    ) -> Result<Option<Product>> {
        Ok(service::<Catalog>(ctx)?
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
        let found = service::<Catalog>(ctx)?
            .products(category, tag, &page)
            .await?;
        Ok(page_of_products(&page, found))
    }

    /// Root categories.
    async fn categories(&self, ctx: &Context<'_>) -> Result<Vec<Category>> {
        let roots = service::<Catalog>(ctx)?
            .root_categories()
            .await
            .map_err(ApiError::from)?;
        Ok(roots.into_iter().map(Category).collect())
    }

    /// Federation: products by id, archived ones included (orders hold them).
    #[graphql(entity)]
    async fn find_product_by_id(&self, ctx: &Context<'_>, id: ID) -> Result<Option<Product>> {
        let Ok(id) = Uuid::parse_str(&id) else {
            return Ok(None);
        };
        Ok(load::<ProductLoader, _>(ctx, id).await?.map(Product))
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
        Ok(load::<VariantLoader, _>(ctx, id).await?.map(ProductVariant))
    }

    #[graphql(entity)]
    async fn find_category_by_id(&self, ctx: &Context<'_>, id: ID) -> Result<Option<Category>> {
        let Ok(id) = Uuid::parse_str(&id) else {
            return Ok(None);
        };
        Ok(load::<CategoryLoader, _>(ctx, id).await?.map(Category))
    }
}
