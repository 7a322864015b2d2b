//! `searchProducts` as the contract states it. Results are `Product` entities that the router
//! completes from catalog; this subgraph only knows their ids.

use std::str::FromStr;
use std::sync::Arc;

use async_graphql::connection::{Connection, Edge, EmptyFields};
use async_graphql::{
    Context, EmptyMutation, EmptySubscription, Enum, ID, InputObject, Object, Result, Schema,
    SimpleObject,
};
use micromall_kit::ApiError;
use micromall_kit::graphql::{
    by_first, edges_and_nodes, list_size, paged_complexity, schema_builder,
};
use micromall_kit::pagination::{DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, decode_cursor, encode_cursor};
use rust_decimal::Decimal;
use uuid::Uuid;

use crate::engine::{Filter, SearchEngine, SearchRequest, Sort};

/// A product as search refers to it; catalog resolves the rest.
#[derive(SimpleObject, Clone)]
#[graphql(name = "Product", unresolvable = "id")]
pub struct ProductRef {
    pub id: ID,
}

#[derive(Enum, Copy, Clone, PartialEq, Eq)]
pub enum SearchSort {
    Relevance,
    PriceAsc,
    PriceDesc,
    Newest,
    Rating,
}

#[derive(InputObject, Default)]
pub struct SearchFilter {
    pub category_ids: Option<Vec<ID>>,
    pub tags: Option<Vec<String>>,
    pub min_price: Option<Decimal>,
    pub max_price: Option<Decimal>,
    pub in_stock: Option<bool>,
}

#[derive(SimpleObject)]
pub struct FacetValue {
    pub value: String,
    pub count: i32,
}

/// fields: "category" (category ids), "tag", "price" (buckets such as "25-50", "500+").
/// Only values that count at least one matching product are listed: zero-count buckets are
/// not listed.
#[derive(SimpleObject)]
pub struct Facet {
    pub field: String,
    pub values: Vec<FacetValue>,
}

pub struct ProductSearchResult {
    total: u64,
    page: Connection<String, ProductRef, EmptyFields, EmptyFields>,
    facets: Vec<(String, Vec<crate::engine::FacetCount>)>,
}

#[Object]
impl ProductSearchResult {
    async fn total_count(&self) -> i32 {
        i32::try_from(self.total).unwrap_or(i32::MAX)
    }

    async fn edges(&self) -> Vec<ProductEdge> {
        self.page
            .edges
            .iter()
            .map(|e| ProductEdge {
                cursor: e.cursor.clone(),
                node: e.node.clone(),
            })
            .collect()
    }

    async fn nodes(&self) -> Vec<ProductRef> {
        self.page.edges.iter().map(|e| e.node.clone()).collect()
    }

    async fn page_info(&self) -> async_graphql::connection::PageInfo {
        async_graphql::connection::PageInfo {
            has_previous_page: self.page.has_previous_page,
            has_next_page: self.page.has_next_page,
            start_cursor: self.page.edges.first().map(|e| e.cursor.clone()),
            end_cursor: self.page.edges.last().map(|e| e.cursor.clone()),
        }
    }

    async fn facets(&self) -> Vec<Facet> {
        self.facets
            .iter()
            .map(|(field, values)| Facet {
                field: field.clone(),
                values: values
                    .iter()
                    .map(|v| FacetValue {
                        value: v.value.clone(),
                        count: i32::try_from(v.count).unwrap_or(i32::MAX),
                    })
                    .collect(),
            })
            .collect()
    }
}

#[derive(SimpleObject)]
#[graphql(shareable)]
pub struct ProductEdge {
    pub cursor: String,
    pub node: ProductRef,
}

/// Longer query texts are cut here: nobody types more, and it bounds the work.
const MAX_QUERY_CHARS: usize = 200;

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
        let limit = match first {
            None => DEFAULT_PAGE_SIZE,
            Some(n) if n <= 0 => {
                return Err(ApiError::bad_input("`first` must be between 1 and 100").into());
            }
            Some(n) => (n as u64).min(MAX_PAGE_SIZE),
        } as usize;
        // Ranked results have no stable key to continue from: the cursor holds an offset.
        let offset = match after {
            None => 0,
            Some(cursor) => decode_cursor(&cursor)?
                .strip_prefix('o')
                .and_then(|n| usize::from_str(n).ok())
                .filter(|n| *n < 10_000)
                .ok_or_else(|| ApiError::bad_input("`after` is not a valid cursor"))?
                .saturating_add(1),
        };
        let filter = filter.unwrap_or_default();
        let category_ids = filter
            .category_ids
            .unwrap_or_default()
            .iter()
            .map(|id| Uuid::parse_str(id))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|_| ApiError::bad_input("a category id is not valid"))?;
        let request = SearchRequest {
            text: query.map(|q| q.chars().take(MAX_QUERY_CHARS).collect()),
            filter: Filter {
                category_ids,
                tags: filter
                    .tags
                    .unwrap_or_default()
                    .into_iter()
                    .take(20)
                    .collect(),
                min_price: filter.min_price,
                max_price: filter.max_price,
                in_stock: filter.in_stock,
            },
            sort: match sort.unwrap_or(SearchSort::Relevance) {
                SearchSort::Relevance => Sort::Relevance,
                SearchSort::PriceAsc => Sort::PriceAsc,
                SearchSort::PriceDesc => Sort::PriceDesc,
                SearchSort::Newest => Sort::Newest,
                SearchSort::Rating => Sort::Rating,
            },
            offset,
            limit: limit + 1,
        };
        let results = ctx
            .data_unchecked::<Arc<dyn SearchEngine>>()
            .search(&request)
            .await
            .map_err(ApiError::internal)?;
        let has_next_page = results.ids.len() > limit;
        let mut page = Connection::new(offset > 0, has_next_page);
        page.edges = results
            .ids
            .into_iter()
            .take(limit)
            .enumerate()
            .map(|(i, id)| {
                Edge::new(
                    encode_cursor(&format!("o{}", offset + i)),
                    ProductRef {
                        id: ID(id.to_string()),
                    },
                )
            })
            .collect();
        Ok(ProductSearchResult {
            total: results.total,
            page,
            facets: results.facets,
        })
    }
}

pub type SearchSchema = Schema<Query, EmptyMutation, EmptySubscription>;

pub fn build(engine: Option<Arc<dyn SearchEngine>>) -> SearchSchema {
    let mut builder = schema_builder(Query, EmptyMutation);
    if let Some(engine) = engine {
        builder = builder.data(engine);
    }
    builder.finish()
}
