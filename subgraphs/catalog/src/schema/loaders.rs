//! Batch loaders: whatever a page of products asks for costs one query per kind of thing.

use std::collections::HashMap;

use async_graphql::dataloader::Loader;
use micromall_kit::ApiError;
use sea_orm::DatabaseConnection;
use uuid::Uuid;

use crate::entity::{category, product, product_image, variant};
use crate::store;

pub struct ProductLoader(pub DatabaseConnection);

impl Loader<Uuid> for ProductLoader {
    type Value = product::Model;
    type Error = async_graphql::Error;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, Self::Error> {
        let rows = store::products_by_ids(&self.0, keys)
            .await
            .map_err(ApiError::from)?;
        Ok(rows.into_iter().map(|p| (p.id, p)).collect())
    }
}

pub struct VariantLoader(pub DatabaseConnection);

impl Loader<Uuid> for VariantLoader {
    type Value = variant::Model;
    type Error = async_graphql::Error;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, Self::Error> {
        let rows = store::variants_by_ids(&self.0, keys)
            .await
            .map_err(ApiError::from)?;
        Ok(rows.into_iter().map(|v| (v.id, v)).collect())
    }
}

/// Variants of many products, keyed by product.
pub struct VariantsOfProduct(pub DatabaseConnection);

impl Loader<Uuid> for VariantsOfProduct {
    type Value = Vec<variant::Model>;
    type Error = async_graphql::Error;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, Self::Error> {
        Ok(store::variants_by_product(&self.0, keys)
            .await
            .map_err(ApiError::from)?)
    }
}

pub struct TagsOfProduct(pub DatabaseConnection);

impl Loader<Uuid> for TagsOfProduct {
    type Value = Vec<String>;
    type Error = async_graphql::Error;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, Self::Error> {
        Ok(store::tags_by_product(&self.0, keys)
            .await
            .map_err(ApiError::from)?)
    }
}

pub struct ImagesOfProduct(pub DatabaseConnection);

impl Loader<Uuid> for ImagesOfProduct {
    type Value = Vec<product_image::Model>;
    type Error = async_graphql::Error;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, Self::Error> {
        Ok(store::images_by_product(&self.0, keys)
            .await
            .map_err(ApiError::from)?)
    }
}

pub struct CategoryLoader(pub DatabaseConnection);

impl Loader<Uuid> for CategoryLoader {
    type Value = category::Model;
    type Error = async_graphql::Error;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, Self::Error> {
        let rows = store::categories_by_ids(&self.0, keys)
            .await
            .map_err(ApiError::from)?;
        Ok(rows.into_iter().map(|c| (c.id, c)).collect())
    }
}

pub struct ChildrenOfCategory(pub DatabaseConnection);

impl Loader<Uuid> for ChildrenOfCategory {
    type Value = Vec<category::Model>;
    type Error = async_graphql::Error;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, Self::Error> {
        Ok(store::children_by_parent(&self.0, keys)
            .await
            .map_err(ApiError::from)?)
    }
}

/// The first products of many categories (with their totals), keyed by (category, page size).
pub struct FirstProductsOfCategory(pub std::sync::Arc<crate::service::Catalog>);

impl Loader<(Uuid, u64)> for FirstProductsOfCategory {
    type Value = (Vec<product::Model>, u64);
    type Error = async_graphql::Error;

    async fn load(
        &self,
        keys: &[(Uuid, u64)],
    ) -> Result<HashMap<(Uuid, u64), Self::Value>, Self::Error> {
        Ok(self.0.first_products_of(keys).await?)
    }
}
