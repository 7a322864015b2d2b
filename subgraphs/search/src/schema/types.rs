//! The types of `searchProducts` as the contract states them. Results are `Product`
//! entities that the router completes from catalog; this subgraph only knows their ids.

use async_graphql::connection::PageInfo;
use async_graphql::{Enum, ID, InputObject, Object, SimpleObject};
use rust_decimal::Decimal;
use uuid::Uuid;

use crate::service::{Found, SortBy};

/// A product as search refers to it; catalog resolves the rest.
#[derive(SimpleObject, Clone)]
#[graphql(name = "Product", unresolvable = "id")]
pub struct ProductRef {
    pub id: ID,
}

impl From<Uuid> for ProductRef {
    fn from(id: Uuid) -> Self {
        Self {
            id: ID(id.to_string()),
        }
    }
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
    /// Average rating at least this (1..5).
    pub min_rating: Option<f64>,
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

/// One page of `searchProducts`, as the service found it.
pub struct ProductSearchResult(pub Found);

#[Object]
impl ProductSearchResult {
    async fn total_count(&self) -> i32 {
        i32::try_from(self.0.total).unwrap_or(i32::MAX)
    }

    async fn edges(&self) -> Vec<ProductEdge> {
        self.0
            .products
            .iter()
            .map(|(cursor, id)| ProductEdge {
                cursor: cursor.clone(),
                node: ProductRef::from(*id),
            })
            .collect()
    }

    async fn nodes(&self) -> Vec<ProductRef> {
        self.0
            .products
            .iter()
            .map(|(_, id)| ProductRef::from(*id))
            .collect()
    }

    async fn page_info(&self) -> PageInfo {
        PageInfo {
            has_previous_page: self.0.has_previous_page,
            has_next_page: self.0.has_next_page,
            start_cursor: self.0.products.first().map(|(c, _)| c.clone()),
            end_cursor: self.0.products.last().map(|(c, _)| c.clone()),
        }
    }

    async fn facets(&self) -> Vec<Facet> {
        self.0
            .facets
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

impl From<SearchSort> for SortBy {
    fn from(sort: SearchSort) -> Self {
        match sort {
            SearchSort::Relevance => SortBy::Relevance,
            SearchSort::PriceAsc => SortBy::PriceAsc,
            SearchSort::PriceDesc => SortBy::PriceDesc,
            SearchSort::Newest => SortBy::Newest,
            SearchSort::Rating => SortBy::Rating,
        }
    }
}
