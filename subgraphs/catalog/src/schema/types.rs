//! API types of the catalog section of the contract.

use async_graphql::{Context, ID, InputObject, Object, Result, SimpleObject};
use chrono::{DateTime, Utc};
use micromall_kit::graphql::{by_first, edges_and_nodes, list_size, paged_complexity, service};
use micromall_kit::money::Money;
use micromall_kit::pagination::{Page, PageRequest, build_page};
use rust_decimal::Decimal;

use super::loaders::{
    CategoryLoader, ChildrenOfCategory, FirstProductsOfCategory, ImagesOfProduct, ProductLoader,
    TagsOfProduct, VariantsOfProduct, load,
};
use crate::entity::{category, product, variant};
use crate::service::{Catalog, NewProduct, NewVariant, ProductChanges};

pub struct Product(pub product::Model);

// `cache_control(max_age = 5)` on products, variants and categories: a shared cache (the
// router's, for anonymous callers) may keep catalog answers five seconds, so a price or name
// change reaches shoppers within that; staff, who are signed in, and checkout, which
// reprices through `/internal`, always see the database.
#[Object(cache_control(max_age = 5))]
impl Product {
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }

    async fn slug(&self) -> &str {
        &self.0.slug
    }

    async fn name(&self) -> &str {
        &self.0.name
    }

    async fn description(&self) -> &str {
        &self.0.description
    }

    async fn category(&self, ctx: &Context<'_>) -> Result<Option<Category>> {
        let Some(id) = self.0.category_id else {
            return Ok(None);
        };
        Ok(load::<CategoryLoader, _>(ctx, id).await?.map(Category))
    }

    async fn tags(&self, ctx: &Context<'_>) -> Result<Vec<String>> {
        Ok(load::<TagsOfProduct, _>(ctx, self.0.id)
            .await?
            .unwrap_or_default())
    }

    async fn images(&self, ctx: &Context<'_>) -> Result<Vec<Image>> {
        let images = load::<ImagesOfProduct, _>(ctx, self.0.id)
            .await?
            .unwrap_or_default();
        Ok(images
            .into_iter()
            .map(|i| Image {
                url: i.url,
                alt: i.alt,
            })
            .collect())
    }

    /// The lowest variant price.
    async fn price(&self, ctx: &Context<'_>) -> Result<Money> {
        let variants = self.variants_of(ctx).await?;
        let lowest = variants
            .iter()
            .map(|v| v.price)
            .min()
            .unwrap_or(Decimal::ZERO);
        Ok(Money::new(lowest, &service::<Catalog>(ctx)?.currency))
    }

    async fn variants(&self, ctx: &Context<'_>) -> Result<Vec<ProductVariant>> {
        Ok(self
            .variants_of(ctx)
            .await?
            .into_iter()
            .map(ProductVariant)
            .collect())
    }

    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
}

impl Product {
    async fn variants_of(&self, ctx: &Context<'_>) -> Result<Vec<variant::Model>> {
        Ok(load::<VariantsOfProduct, _>(ctx, self.0.id)
            .await?
            .unwrap_or_default())
    }
}

pub struct ProductVariant(pub variant::Model);

#[Object(cache_control(max_age = 5))]
impl ProductVariant {
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }

    async fn sku(&self) -> &str {
        &self.0.sku
    }

    async fn name(&self) -> &str {
        &self.0.name
    }

    async fn price(&self, ctx: &Context<'_>) -> Result<Money> {
        Ok(Money::new(self.0.price, &service::<Catalog>(ctx)?.currency))
    }

    async fn attributes(&self) -> Vec<Attribute> {
        self.0
            .attributes
            .as_array()
            .map(|items| {
                items
                    .iter()
                    .filter_map(|a| {
                        Some(Attribute {
                            name: a.get("name")?.as_str()?.to_owned(),
                            value: a.get("value")?.as_str()?.to_owned(),
                        })
                    })
                    .collect()
            })
            .unwrap_or_default()
    }

    /// For weight-based shipping rates; null when unknown.
    async fn weight_grams(&self) -> Option<i32> {
        self.0.weight_grams
    }

    async fn product(&self, ctx: &Context<'_>) -> Result<Product> {
        load::<ProductLoader, _>(ctx, self.0.product_id)
            .await?
            .map(Product)
            .ok_or_else(|| "product missing".into())
    }
}

#[derive(SimpleObject)]
pub struct Attribute {
    pub name: String,
    pub value: String,
}

#[derive(SimpleObject)]
pub struct Image {
    pub url: String,
    pub alt: Option<String>,
}

pub struct Category(pub category::Model);

#[Object(cache_control(max_age = 5))]
impl Category {
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }

    async fn name(&self) -> &str {
        &self.0.name
    }

    async fn slug(&self) -> &str {
        &self.0.slug
    }

    async fn parent(&self, ctx: &Context<'_>) -> Result<Option<Category>> {
        let Some(parent) = self.0.parent_id else {
            return Ok(None);
        };
        Ok(load::<CategoryLoader, _>(ctx, parent).await?.map(Category))
    }

    async fn children(&self, ctx: &Context<'_>) -> Result<Vec<Category>> {
        Ok(load::<ChildrenOfCategory, _>(ctx, self.0.id)
            .await?
            .unwrap_or_default()
            .into_iter()
            .map(Category)
            .collect())
    }

    /// Shop-visible products of this category and its subcategories.
    #[graphql(
        directive = list_size::apply(None, by_first(), edges_and_nodes()),
        complexity = "paged_complexity(first, child_complexity)"
    )]
    async fn products(
        &self,
        ctx: &Context<'_>,
        #[graphql(default = 20)] first: Option<i32>,
        after: Option<String>,
    ) -> Result<Page<Product>> {
        let page = PageRequest::parse(first, after)?;
        let found = match page.after {
            // First pages of a list of categories load together.
            None => load::<FirstProductsOfCategory, _>(ctx, (self.0.id, page.first))
                .await?
                .unwrap_or_default(),
            Some(_) => {
                let id = self.0.id.to_string();
                service::<Catalog>(ctx)?
                    .products(Some(&id), None, &page)
                    .await?
            }
        };
        Ok(page_of_products(&page, found))
    }
}

/// A page of products as the client asked for it, from the rows found and their total.
pub fn page_of_products(
    page: &PageRequest,
    (rows, total): (Vec<product::Model>, u64),
) -> Page<Product> {
    build_page(page, rows, total, |p| p.id.to_string(), Product)
}

#[derive(InputObject)]
pub struct ProductFilter {
    pub category_id: Option<ID>,
    pub tag: Option<String>,
}

#[derive(InputObject)]
pub struct ImageInput {
    pub url: String,
    pub alt: Option<String>,
}

#[derive(InputObject)]
pub struct AttributeInput {
    pub name: String,
    pub value: String,
}

#[derive(InputObject)]
pub struct VariantInput {
    pub sku: String,
    pub name: String,
    pub price: Decimal,
    pub attributes: Option<Vec<AttributeInput>>,
    /// For weight-based shipping rates (0 to 1,000,000); null when unknown.
    pub weight_grams: Option<i32>,
}

#[derive(InputObject)]
pub struct CreateProductInput {
    pub name: String,
    /// Derived from name when absent.
    pub slug: Option<String>,
    pub description: String,
    pub category_id: Option<ID>,
    pub tags: Option<Vec<String>>,
    pub images: Option<Vec<ImageInput>>,
    pub variants: Vec<VariantInput>,
}

#[derive(InputObject)]
pub struct UpdateProductInput {
    pub name: Option<String>,
    pub description: Option<String>,
    pub category_id: Option<ID>,
    pub tags: Option<Vec<String>>,
    pub images: Option<Vec<ImageInput>>,
}

#[derive(InputObject)]
pub struct CreateCategoryInput {
    pub name: String,
    pub slug: Option<String>,
    pub parent_id: Option<ID>,
}

micromall_kit::payload!(
    /// codes: INVALID_NAME, SLUG_TAKEN, SKU_TAKEN, INVALID_PRICE, NO_VARIANTS, CATEGORY_NOT_FOUND, NOT_FOUND
    ProductPayload,
    product: Product
);

micromall_kit::payload!(
    /// codes: INVALID_NAME, INVALID_SLUG, SLUG_TAKEN, CATEGORY_NOT_FOUND
    CategoryPayload,
    category: Category
);

impl From<CreateProductInput> for NewProduct {
    fn from(input: CreateProductInput) -> Self {
        NewProduct {
            name: input.name,
            slug: input.slug,
            description: input.description,
            category_id: input.category_id.map(|id| id.0),
            tags: input.tags.unwrap_or_default(),
            images: images(input.images.unwrap_or_default()),
            variants: input.variants.into_iter().map(NewVariant::from).collect(),
        }
    }
}

impl From<VariantInput> for NewVariant {
    fn from(v: VariantInput) -> Self {
        NewVariant {
            sku: v.sku,
            name: v.name,
            price: v.price,
            attributes: v
                .attributes
                .unwrap_or_default()
                .into_iter()
                .map(|a| (a.name, a.value))
                .collect(),
            weight_grams: v.weight_grams,
        }
    }
}

impl From<UpdateProductInput> for ProductChanges {
    fn from(input: UpdateProductInput) -> Self {
        ProductChanges {
            name: input.name,
            description: input.description,
            category_id: input.category_id.map(|id| Some(id.0)),
            tags: input.tags,
            images: input.images.map(images),
        }
    }
}

fn images(images: Vec<ImageInput>) -> Vec<(String, Option<String>)> {
    images.into_iter().map(|i| (i.url, i.alt)).collect()
}
