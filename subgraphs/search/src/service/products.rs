//! `searchProducts`: the client's question checked and bounded, asked of the index, and the
//! page it asked for. Ranked results have no stable key to continue from, so the cursor
//! holds an offset.

use std::str::FromStr;

use micromall_kit::pagination::{DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, decode_cursor, encode_cursor};
use micromall_kit::{ApiError, ApiResult};
use rust_decimal::Decimal;
use uuid::Uuid;

use super::Search;
use crate::store::{FacetCount, Filter, SearchRequest, Sort};

/// Longer query texts are cut here: nobody types more, and it bounds the work.
const MAX_QUERY_CHARS: usize = 200;
/// Tags past this many in one filter are ignored.
const MAX_TAGS: usize = 20;
/// How deep a client may page into ranked results.
const MAX_OFFSET: usize = 10_000;
/// What `minRating` may ask: ratings run from one to five stars.
const RATINGS: std::ops::RangeInclusive<f64> = 1.0..=5.0;

pub use crate::store::Sort as SortBy;

/// What the client asked, as it arrived.
#[derive(Default)]
pub struct ProductQuery {
    pub text: Option<String>,
    pub category_ids: Vec<String>,
    pub tags: Vec<String>,
    pub min_price: Option<Decimal>,
    pub max_price: Option<Decimal>,
    pub in_stock: Option<bool>,
    pub min_rating: Option<f64>,
    pub sort: Option<Sort>,
    pub first: Option<i32>,
    pub after: Option<String>,
}

/// One page of matching products, with the cursor of each and the facets of all matches.
pub struct Found {
    pub total: u64,
    pub products: Vec<(String, Uuid)>,
    pub has_previous_page: bool,
    pub has_next_page: bool,
    pub facets: Vec<(String, Vec<FacetCount>)>,
}

impl Search {
    pub async fn products(&self, query: ProductQuery) -> ApiResult<Found> {
        let limit = page_size(query.first)?;
        let offset = match &query.after {
            None => 0,
            Some(cursor) => offset_after(cursor)?,
        };
        let category_ids = query
            .category_ids
            .iter()
            .map(|id| Uuid::parse_str(id))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|_| ApiError::bad_input("a category id is not valid"))?;
        if let Some(min_rating) = query.min_rating
            && !RATINGS.contains(&min_rating)
        {
            return Err(ApiError::bad_input("`minRating` must be between 1 and 5"));
        }
        let request = SearchRequest {
            text: query
                .text
                .map(|q| q.chars().take(MAX_QUERY_CHARS).collect()),
            filter: Filter {
                category_ids,
                tags: query.tags.into_iter().take(MAX_TAGS).collect(),
                min_price: query.min_price,
                max_price: query.max_price,
                in_stock: query.in_stock,
                min_rating: query.min_rating,
            },
            sort: query.sort.unwrap_or(Sort::Relevance),
            offset,
            // One more than the page, to know whether another follows.
            limit: limit + 1,
        };
        let results = self
            .engine
            .search(&request)
            .await
            .map_err(ApiError::internal)?;
        let has_next_page = results.ids.len() > limit;
        let products = results
            .ids
            .into_iter()
            .take(limit)
            .enumerate()
            .map(|(i, id)| (encode_cursor(&format!("o{}", offset + i)), id))
            .collect();
        Ok(Found {
            total: results.total,
            products,
            has_previous_page: offset > 0,
            has_next_page,
            facets: results.facets,
        })
    }
}

fn page_size(first: Option<i32>) -> ApiResult<usize> {
    match first {
        None => Ok(DEFAULT_PAGE_SIZE as usize),
        Some(n) if n <= 0 => Err(ApiError::bad_input("`first` must be between 1 and 100")),
        Some(n) => Ok((n as u64).min(MAX_PAGE_SIZE) as usize),
    }
}

/// The offset just past the one a cursor names.
fn offset_after(cursor: &str) -> ApiResult<usize> {
    decode_cursor(cursor)?
        .strip_prefix('o')
        .and_then(|n| usize::from_str(n).ok())
        .filter(|n| *n < MAX_OFFSET)
        .map(|n| n.saturating_add(1))
        .ok_or_else(|| ApiError::bad_input("`after` is not a valid cursor"))
}
