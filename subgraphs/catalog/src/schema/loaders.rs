//! Batch loaders: whatever a page of products asks for costs one query per kind of thing.

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::Arc;

use async_graphql::Context;
use async_graphql::dataloader::{DataLoader, Loader};
use micromall_kit::ApiError;
use uuid::Uuid;

use crate::entity::{category, product, product_image, variant};
use crate::service::Catalog;

/// A loader of `$value` by `$key` that asks the catalog `$read` for a whole batch.
macro_rules! loader {
    ($(#[$meta:meta])* $name:ident, $key:ty => $value:ty, $read:ident) => {
        $(#[$meta])*
        pub struct $name(pub Arc<Catalog>);

        impl Loader<$key> for $name {
            type Value = $value;
            type Error = async_graphql::Error;

            async fn load(&self, keys: &[$key]) -> Result<HashMap<$key, $value>, Self::Error> {
                Ok(self.0.$read(keys).await.map_err(ApiError::from)?)
            }
        }
    };
}

loader!(ProductLoader, Uuid => product::Model, products_by_ids);
loader!(VariantLoader, Uuid => variant::Model, variants_by_ids);
loader!(CategoryLoader, Uuid => category::Model, categories_by_ids);
loader!(
    /// Variants of many products, keyed by product.
    VariantsOfProduct, Uuid => Vec<variant::Model>, variants_of
);
loader!(TagsOfProduct, Uuid => Vec<String>, tags_of);
loader!(ImagesOfProduct, Uuid => Vec<product_image::Model>, images_of);
loader!(ChildrenOfCategory, Uuid => Vec<category::Model>, children_of);
loader!(
    /// The first products of many categories (with their totals), keyed by (category, page size).
    FirstProductsOfCategory, (Uuid, u64) => (Vec<product::Model>, u64), first_products_of
);

/// What `L` holds for `key`, loaded with the rest of the request's batch.
pub async fn load<L, K>(ctx: &Context<'_>, key: K) -> async_graphql::Result<Option<L::Value>>
where
    L: Loader<K, Error = async_graphql::Error>,
    K: Send + Sync + Hash + Eq + Clone + 'static,
{
    ctx.data_unchecked::<DataLoader<L>>().load_one(key).await
}
