use async_graphql::{Context, ID, Object, Result};
use micromall_kit::answer;
use micromall_kit::graphql::{service, viewer};
use rust_decimal::Decimal;

use super::types::{
    Category, CategoryPayload, CreateCategoryInput, CreateProductInput, Product, ProductPayload,
    UpdateProductInput,
};
use crate::service::Catalog;

pub struct Mutation;

const WRITE: &str = "catalog:write";

#[Object]
impl Mutation {
    #[graphql(requires_scopes = "catalog:write")]
    async fn create_product(
        &self,
        ctx: &Context<'_>,
        input: CreateProductInput,
    ) -> Result<ProductPayload> {
        viewer(ctx).require_scope(WRITE)?;
        let created = service::<Catalog>(ctx)?.create_product(input.into()).await;
        answer(created.map(Product))
    }

    #[graphql(requires_scopes = "catalog:write")]
    async fn update_product(
        &self,
        ctx: &Context<'_>,
        id: ID,
        input: UpdateProductInput,
    ) -> Result<ProductPayload> {
        viewer(ctx).require_scope(WRITE)?;
        let updated = service::<Catalog>(ctx)?
            .update_product(&id, input.into())
            .await;
        answer(updated.map(Product))
    }

    /// Hidden from shop and search; orders keep it.
    #[graphql(requires_scopes = "catalog:write")]
    async fn archive_product(&self, ctx: &Context<'_>, id: ID) -> Result<ProductPayload> {
        viewer(ctx).require_scope(WRITE)?;
        let archived = service::<Catalog>(ctx)?.archive_product(&id).await;
        answer(archived.map(Product))
    }

    #[graphql(requires_scopes = "catalog:write")]
    async fn set_variant_price(
        &self,
        ctx: &Context<'_>,
        variant_id: ID,
        price: Decimal,
    ) -> Result<ProductPayload> {
        viewer(ctx).require_scope(WRITE)?;
        let repriced = service::<Catalog>(ctx)?
            .set_variant_price(&variant_id, price)
            .await;
        answer(repriced.map(Product))
    }

    #[graphql(requires_scopes = "catalog:write")]
    async fn create_category(
        &self,
        ctx: &Context<'_>,
        input: CreateCategoryInput,
    ) -> Result<CategoryPayload> {
        viewer(ctx).require_scope(WRITE)?;
        let created = service::<Catalog>(ctx)?
            .create_category(
                &input.name,
                input.slug.as_deref(),
                input.parent_id.as_ref().map(|id| id.as_str()),
            )
            .await;
        answer(created.map(Category))
    }
}
