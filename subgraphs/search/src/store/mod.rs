//! The product index: what a search backend does, whichever engine runs it (`tantivy`
//! embedded, `elasticsearch` shared). The only place that reads or writes the index; and
//! `learned`, the only place that reads or writes search's database.

#[cfg(feature = "elasticsearch")]
pub mod elasticsearch;
pub mod learned;
pub mod tantivy;

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// A product as search knows it, built from `catalog.product.changed` (and kept as such in
/// search's database, so a rating change can index it again).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ProductDoc {
    pub id: Uuid,
    pub name: String,
    pub description: String,
    #[serde(default)]
    pub category_path: Vec<CategoryRef>,
    #[serde(default)]
    pub tags: Vec<String>,
    pub min_price: Option<Decimal>,
    pub created_at: chrono::DateTime<chrono::Utc>,
    /// Filled from inventory events once inventory exists; products count as in stock until then.
    #[serde(default = "in_stock_by_default")]
    pub in_stock: bool,
    /// The average of its visible reviews, from `reviews.rating.changed`; 0 without reviews
    /// (so they sort last and no `minRating` lets them through).
    #[serde(default)]
    pub rating: f64,
}

fn in_stock_by_default() -> bool {
    true
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CategoryRef {
    pub id: Uuid,
    pub name: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sort {
    Relevance,
    PriceAsc,
    PriceDesc,
    Newest,
    Rating,
}

#[derive(Debug, Clone, Default)]
pub struct Filter {
    /// A product matches when it is in any of these categories or below them.
    pub category_ids: Vec<Uuid>,
    pub tags: Vec<String>,
    pub min_price: Option<Decimal>,
    pub max_price: Option<Decimal>,
    pub in_stock: Option<bool>,
    /// Products whose average rating is at least this (1..=5).
    pub min_rating: Option<f64>,
}

#[derive(Debug, Clone)]
pub struct SearchRequest {
    pub text: Option<String>,
    pub filter: Filter,
    pub sort: Sort,
    pub offset: usize,
    pub limit: usize,
}

#[derive(Debug, Clone, PartialEq)]
pub struct FacetCount {
    pub value: String,
    pub count: u64,
}

#[derive(Debug, Clone, Default)]
pub struct SearchResults {
    pub ids: Vec<Uuid>,
    pub total: u64,
    /// ("category" | "tag" | "price", counts), over the whole match set.
    pub facets: Vec<(String, Vec<FacetCount>)>,
}

impl SearchResults {
    /// One facet's (value, count) pairs, in order; empty when the facet is absent.
    pub fn facet(&self, name: &str) -> Vec<(&str, u64)> {
        self.facets
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, counts)| counts.iter().map(|f| (f.value.as_str(), f.count)).collect())
            .unwrap_or_default()
    }
}

/// Price buckets of the `price` facet, in the shop currency: [from, to).
pub const PRICE_BUCKETS: [(f64, Option<f64>); 6] = [
    (0.0, Some(25.0)),
    (25.0, Some(50.0)),
    (50.0, Some(100.0)),
    (100.0, Some(200.0)),
    (200.0, Some(500.0)),
    (500.0, None),
];

pub fn bucket_label(from: f64, to: Option<f64>) -> String {
    match to {
        Some(to) => format!("{from:.0}-{to:.0}"),
        None => format!("{from:.0}+"),
    }
}

/// Whether a facet bucket is worth showing: it counts at least one product and, for the price
/// facet, is one of `PRICE_BUCKETS` (engines may add buckets for values below the first one,
/// such as Tantivy's `*-0`, which no price can fall in).
pub fn shown(facet: &str, bucket: &FacetCount) -> bool {
    bucket.count > 0
        && (facet != "price"
            || PRICE_BUCKETS
                .iter()
                .any(|(from, to)| bucket_label(*from, *to) == bucket.value))
}

/// A search backend: Tantivy embedded, Elasticsearch at scale.
#[async_trait::async_trait]
pub trait SearchEngine: Send + Sync {
    /// Adds or replaces a product; visible to searches within a second.
    async fn upsert(&self, doc: &ProductDoc) -> anyhow::Result<()>;
    async fn remove(&self, id: Uuid) -> anyhow::Result<()>;
    async fn search(&self, request: &SearchRequest) -> anyhow::Result<SearchResults>;
    /// Makes every change so far durable and visible.
    async fn commit(&self) -> anyhow::Result<()>;
}
