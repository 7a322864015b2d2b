use std::sync::Arc;

use async_graphql::{Context, ID, Object, Result};
use micromall_kit::graphql::viewer;
use rust_decimal::Decimal;

use super::types::{
    Category, CategoryPayload, CreateCategoryInput, CreateProductInput, Product, ProductPayload,
    UpdateProductInput,
};
use crate::entity::product;
use crate::service::{Catalog, NewProduct, NewVariant, Outcome, ProductChanges};

pub struct Mutation;

const WRITE: &str = "catalog:write";

fn catalog<'a>(ctx: &'a Context<'_>) -> &'a Catalog {
    ctx.data_unchecked::<Arc<Catalog>>()
}

fn product_payload(outcome: Outcome<product::Model>) -> ProductPayload {
    match outcome {
        Ok(p) => ProductPayload {
            product: Some(Product(p)),
            user_errors: Vec::new(),
        },
        Err(user_errors) => ProductPayload {
            product: None,
            user_errors,
        },
    }
}

#[Object]
impl Mutation {
    #[graphql(requires_scopes = "catalog:write")]
    async fn create_product(
        &self,
        ctx: &Context<'_>,
        input: CreateProductInput,
    ) -> Result<ProductPayload> {
        viewer(ctx).require_scope(WRITE)?;
        let new = NewProduct {
            name: input.name,
            slug: input.slug,
            description: input.description,
            category_id: input.category_id.map(|id| id.0),
            tags: input.tags.unwrap_or_default(),
            images: input
                .images
                .unwrap_or_default()
                .into_iter()
                .map(|i| (i.url, i.alt))
                .collect(),
            variants: input
                .variants
                .into_iter()
                .map(|v| NewVariant {
                    sku: v.sku,
                    name: v.name,
                    price: v.price,
                    attributes: v
                        .attributes
                        .unwrap_or_default()
                        .into_iter()
                        .map(|a| (a.name, a.value))
                        .collect(),
                })
                .collect(),
        };
        Ok(product_payload(catalog(ctx).create_product(new).await?))
    }

    #[graphql(requires_scopes = "catalog:write")]
    async fn update_product(
        &self,
        ctx: &Context<'_>,
        id: ID,
        input: UpdateProductInput,
    ) -> Result<ProductPayload> {
        viewer(ctx).require_scope(WRITE)?;
        let changes = ProductChanges {
            name: input.name,
            description: input.description,
            category_id: input.category_id.map(|id| Some(id.0)),
            tags: input.tags,
            images: input
                .images
                .map(|images| images.into_iter().map(|i| (i.url, i.alt)).collect()),
        };
        Ok(product_payload(
            catalog(ctx).update_product(&id, changes).await?,
        ))
    }

    /// Hidden from shop and search; orders keep it.
    #[graphql(requires_scopes = "catalog:write")]
    async fn archive_product(&self, ctx: &Context<'_>, id: ID) -> Result<ProductPayload> {
        viewer(ctx).require_scope(WRITE)?;
        Ok(product_payload(catalog(ctx).archive_product(&id).await?))
    }

    #[graphql(requires_scopes = "catalog:write")]
    async fn set_variant_price(
        &self,
        ctx: &Context<'_>,
        variant_id: ID,
        price: Decimal,
    ) -> Result<ProductPayload> {
        viewer(ctx).require_scope(WRITE)?;
        Ok(product_payload(
            catalog(ctx).set_variant_price(&variant_id, price).await?,
        ))
    }

    #[graphql(requires_scopes = "catalog:write")]
    async fn create_category(
        &self,
        ctx: &Context<'_>,
        input: CreateCategoryInput,
    ) -> Result<CategoryPayload> {
        viewer(ctx).require_scope(WRITE)?;
        let outcome = catalog(ctx)
            .create_category(
                &input.name,
                input.slug.as_deref(),
                input.parent_id.as_ref().map(|id| id.as_str()),
            )
            .await?;
        Ok(match outcome {
            Ok(c) => CategoryPayload {
                category: Some(Category(c)),
                user_errors: Vec::new(),
            },
            Err(user_errors) => CategoryPayload {
                category: None,
                user_errors,
            },
        })
    }
}
