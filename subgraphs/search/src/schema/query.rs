use async_graphql::{Context, Object, Result};
use micromall_kit::graphql::{by_first, edges_and_nodes, list_size, paged_complexity, service};

use super::types::{ProductSearchResult, SearchFilter, SearchSort};
use crate::service::{ProductQuery, Search};

pub struct Query;

#[Object]
impl Query {
    #[graphql(
        directive = list_size::apply(None, by_first(), edges_and_nodes()),
        complexity = "paged_complexity(first, child_complexity)"
    )]
    async fn search_products(
        &self,
        ctx: &Context<'_>,
        query: Option<String>,
        filter: Option<SearchFilter>,
        #[graphql(default_with = "Some(SearchSort::Relevance)")] sort: Option<SearchSort>,
        #[graphql(default = 20)] first: Option<i32>,
        after: Option<String>,
    ) -> Result<ProductSearchResult> {
        let filter = filter.unwrap_or_default();
        let asked = ProductQuery {
            text: query,
            category_ids: filter
                .category_ids
                .unwrap_or_default()
                .into_iter()
                .map(|id| id.0)
                .collect(),
            tags: filter.tags.unwrap_or_default(),
            min_price: filter.min_price,
            max_price: filter.max_price,
            in_stock: filter.in_stock,
            min_rating: filter.min_rating,
            sort: sort.map(Into::into),
            first,
            after,
        };
        let found = service::<Search>(ctx)?.products(asked).await?;
        Ok(ProductSearchResult(found))
    }
}
