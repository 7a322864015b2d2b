//! The embedded search engine: a Tantivy index under the data directory.
//!
//! Relevance is BM25 over name (boosted most), tags, category names and description. Each
//! query word must match, exactly or within a typo (edit distance 1 from 4 letters, 2 from 8);
//! the last word also matches as a prefix, for search-as-you-type. Filters are must-clauses,
//! facets are aggregations over the whole match set.

use std::ops::Bound;
use std::path::Path;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};

use anyhow::Context as _;
use rust_decimal::prelude::ToPrimitive;
use tantivy::aggregation::agg_req::Aggregations;
use tantivy::aggregation::agg_result::AggregationResults;
use tantivy::aggregation::{AggContextParams, AggregationCollector};
use tantivy::collector::{Count, TopDocs};
use tantivy::query::{
    AllQuery, BooleanQuery, BoostQuery, FuzzyTermQuery, Occur, Query, RangeQuery, TermQuery,
};
use tantivy::schema::{
    FAST, Field, INDEXED, IndexRecordOption, STORED, STRING, Schema, TEXT, Value,
};
use tantivy::tokenizer::TokenStream;
use tantivy::{
    DocAddress, Index, IndexReader, IndexWriter, Order, ReloadPolicy, TantivyDocument, Term, doc,
};
use uuid::Uuid;

use crate::store::{
    FacetCount, Filter, PRICE_BUCKETS, ProductDoc, SearchEngine, SearchRequest, SearchResults,
    Sort, bucket_label, shown,
};

struct Fields {
    id: Field,
    name: Field,
    description: Field,
    tags: Field,
    tags_exact: Field,
    category_names: Field,
    category_ids: Field,
    min_price: Field,
    created_at: Field,
    rating: Field,
    in_stock: Field,
}

pub struct TantivyEngine {
    index: Index,
    reader: IndexReader,
    writer: Mutex<IndexWriter>,
    fields: Fields,
    dirty: AtomicBool,
}

const WRITER_MEMORY: usize = 50_000_000;
/// Text fields searched, with their weight.
const BOOSTS: [(&str, f32); 4] = [
    ("name", 3.0),
    ("tags", 1.5),
    ("category_names", 1.5),
    ("description", 1.0),
];

fn schema() -> (Schema, Fields) {
    let mut b = Schema::builder();
    let fields = Fields {
        id: b.add_text_field("id", STRING | STORED),
        name: b.add_text_field("name", TEXT),
        description: b.add_text_field("description", TEXT),
        tags: b.add_text_field("tags", TEXT),
        tags_exact: b.add_text_field("tags_exact", STRING | FAST),
        category_names: b.add_text_field("category_names", TEXT),
        category_ids: b.add_text_field("category_ids", STRING | FAST),
        min_price: b.add_f64_field("min_price", INDEXED | FAST),
        created_at: b.add_i64_field("created_at", INDEXED | FAST),
        rating: b.add_f64_field("rating", FAST),
        in_stock: b.add_bool_field("in_stock", INDEXED | FAST),
    };
    (b.build(), fields)
}

impl TantivyEngine {
    /// Opens the index in `dir`, creating it when missing.
    pub fn open(dir: &Path) -> anyhow::Result<Self> {
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
        let (schema, fields) = schema();
        let directory = tantivy::directory::MmapDirectory::open(dir)?;
        let index = Index::open_or_create(directory, schema)?;
        Self::from_index(index, fields)
    }

    /// An index in memory (tests).
    pub fn in_memory() -> anyhow::Result<Self> {
        let (schema, fields) = schema();
        Self::from_index(Index::create_in_ram(schema), fields)
    }

    fn from_index(index: Index, fields: Fields) -> anyhow::Result<Self> {
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()?;
        let writer = index.writer(WRITER_MEMORY)?;
        Ok(Self {
            index,
            reader,
            writer: Mutex::new(writer),
            fields,
            dirty: AtomicBool::new(false),
        })
    }

    pub fn is_dirty(&self) -> bool {
        self.dirty.load(Ordering::Relaxed)
    }

    /// The words of `text` as the index stores them.
    fn words(&self, text: &str) -> Vec<String> {
        // Tantivy always registers "default"; without it there is nothing to match.
        let Some(mut tokenizer) = self.index.tokenizers().get("default") else {
            return Vec::new();
        };
        let mut stream = tokenizer.token_stream(text);
        let mut words = Vec::new();
        while let Some(token) = stream.next() {
            if words.len() < 16 {
                words.push(token.text.clone());
            }
        }
        words
    }

    fn text_query(&self, text: &str) -> Option<Box<dyn Query>> {
        let words = self.words(text);
        let last = words.len().checked_sub(1)?;
        let schema = self.index.schema();
        let clauses: Vec<(Occur, Box<dyn Query>)> = words
            .iter()
            .enumerate()
            .map(|(i, word)| {
                let mut alternatives: Vec<(Occur, Box<dyn Query>)> = Vec::new();
                for (name, boost) in BOOSTS {
                    let Ok(field) = schema.get_field(name) else {
                        continue;
                    };
                    let term = Term::from_field_text(field, word);
                    alternatives.push((
                        Occur::Should,
                        Box::new(BoostQuery::new(
                            Box::new(TermQuery::new(term.clone(), IndexRecordOption::WithFreqs)),
                            boost * 2.0,
                        )),
                    ));
                    let chars = word.chars().count();
                    let distance = if chars >= 8 {
                        2
                    } else if chars >= 4 {
                        1
                    } else {
                        0
                    };
                    if distance > 0 {
                        alternatives.push((
                            Occur::Should,
                            Box::new(BoostQuery::new(
                                Box::new(FuzzyTermQuery::new(term.clone(), distance, true)),
                                boost * 0.5,
                            )),
                        ));
                    }
                    if i == last {
                        alternatives.push((
                            Occur::Should,
                            Box::new(BoostQuery::new(
                                Box::new(FuzzyTermQuery::new_prefix(term, 0, true)),
                                boost * 0.7,
                            )),
                        ));
                    }
                }
                (
                    Occur::Must,
                    Box::new(BooleanQuery::new(alternatives)) as Box<dyn Query>,
                )
            })
            .collect();
        Some(Box::new(BooleanQuery::new(clauses)))
    }

    fn filter_clauses(&self, filter: &Filter) -> Vec<(Occur, Box<dyn Query>)> {
        let f = &self.fields;
        let mut clauses: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        let any_of = |field: Field, values: Vec<String>| -> Box<dyn Query> {
            Box::new(BooleanQuery::new(
                values
                    .into_iter()
                    .map(|v| {
                        (
                            Occur::Should,
                            Box::new(TermQuery::new(
                                Term::from_field_text(field, &v),
                                IndexRecordOption::Basic,
                            )) as Box<dyn Query>,
                        )
                    })
                    .collect(),
            ))
        };
        if !filter.category_ids.is_empty() {
            clauses.push((
                Occur::Must,
                any_of(
                    f.category_ids,
                    filter.category_ids.iter().map(Uuid::to_string).collect(),
                ),
            ));
        }
        if !filter.tags.is_empty() {
            clauses.push((
                Occur::Must,
                any_of(
                    f.tags_exact,
                    filter
                        .tags
                        .iter()
                        .map(|t| t.trim().to_lowercase())
                        .collect(),
                ),
            ));
        }
        if filter.min_price.is_some() || filter.max_price.is_some() {
            let bound = |d: Option<rust_decimal::Decimal>, inclusive: bool| match d
                .and_then(|d| d.to_f64())
            {
                Some(v) if inclusive => Bound::Included(Term::from_field_f64(f.min_price, v)),
                Some(v) => Bound::Excluded(Term::from_field_f64(f.min_price, v)),
                None => Bound::Unbounded,
            };
            clauses.push((
                Occur::Must,
                Box::new(RangeQuery::new(
                    bound(filter.min_price, true),
                    bound(filter.max_price, true),
                )),
            ));
        }
        if let Some(in_stock) = filter.in_stock {
            clauses.push((
                Occur::Must,
                Box::new(TermQuery::new(
                    Term::from_field_bool(f.in_stock, in_stock),
                    IndexRecordOption::Basic,
                )),
            ));
        }
        if let Some(min_rating) = filter.min_rating {
            // `rating` is a fast field: the range is read from its column, so it needs no
            // inverted index (and indexes made before ratings were filtered open unchanged).
            clauses.push((
                Occur::Must,
                Box::new(RangeQuery::new(
                    Bound::Included(Term::from_field_f64(f.rating, min_rating)),
                    Bound::Unbounded,
                )),
            ));
        }
        clauses
    }

    fn ids(
        &self,
        searcher: &tantivy::Searcher,
        addresses: impl Iterator<Item = DocAddress>,
    ) -> anyhow::Result<Vec<Uuid>> {
        let mut ids = Vec::new();
        for address in addresses {
            let doc: TantivyDocument = searcher.doc(address)?;
            if let Some(id) = doc
                .get_first(self.fields.id)
                .and_then(|v| v.as_str())
                .and_then(|s| Uuid::parse_str(s).ok())
            {
                ids.push(id);
            }
        }
        Ok(ids)
    }

    fn facets(
        &self,
        searcher: &tantivy::Searcher,
        query: &dyn Query,
    ) -> anyhow::Result<Vec<(String, Vec<FacetCount>)>> {
        let ranges: Vec<serde_json::Value> = PRICE_BUCKETS
            .iter()
            .map(|(from, to)| match to {
                Some(to) => serde_json::json!({ "key": bucket_label(*from, Some(*to)), "from": from, "to": to }),
                None => serde_json::json!({ "key": bucket_label(*from, None), "from": from }),
            })
            .collect();
        let request: Aggregations = serde_json::from_value(serde_json::json!({
            "category": { "terms": { "field": "category_ids", "size": 200 } },
            "tag": { "terms": { "field": "tags_exact", "size": 50 } },
            "price": { "range": { "field": "min_price", "ranges": ranges } },
        }))?;
        let results: AggregationResults = searcher.search(
            query,
            &AggregationCollector::from_aggs(request, AggContextParams::default()),
        )?;
        let json = serde_json::to_value(results)?;
        let buckets = |name: &str| -> Vec<FacetCount> {
            json[name]["buckets"]
                .as_array()
                .map(|buckets| {
                    buckets
                        .iter()
                        .filter_map(|b| {
                            let count = b["doc_count"].as_u64()?;
                            let value = b["key"]
                                .as_str()
                                .map(str::to_owned)
                                .or_else(|| b["key"].as_f64().map(|v| v.to_string()))?;
                            Some(FacetCount { value, count })
                        })
                        .filter(|f| shown(name, f))
                        .collect()
                })
                .unwrap_or_default()
        };
        Ok(vec![
            ("category".into(), buckets("category")),
            ("tag".into(), buckets("tag")),
            ("price".into(), buckets("price")),
        ])
    }
}

/// The Tantivy engine behind the async `SearchEngine` interface. Searches and commits run on
/// the blocking pool, off the request threads; adding or deleting a document only queues it in
/// the writer's memory, so those run in place (a thread hand-off would cost more).
pub struct Embedded(pub std::sync::Arc<TantivyEngine>);

#[async_trait::async_trait]
impl SearchEngine for Embedded {
    async fn upsert(&self, doc: &ProductDoc) -> anyhow::Result<()> {
        self.0.upsert(doc)
    }

    async fn remove(&self, id: Uuid) -> anyhow::Result<()> {
        self.0.remove(id)
    }

    async fn search(&self, request: &SearchRequest) -> anyhow::Result<SearchResults> {
        let (engine, request) = (self.0.clone(), request.clone());
        tokio::task::spawn_blocking(move || engine.search(&request)).await?
    }

    async fn commit(&self) -> anyhow::Result<()> {
        let engine = self.0.clone();
        tokio::task::spawn_blocking(move || engine.commit()).await?
    }
}

impl TantivyEngine {
    pub fn upsert(&self, product: &ProductDoc) -> anyhow::Result<()> {
        let f = &self.fields;
        let mut document = doc!(
            f.id => product.id.to_string(),
            f.name => product.name.clone(),
            f.description => product.description.clone(),
            f.min_price => product.min_price.and_then(|p| p.to_f64()).unwrap_or(0.0),
            f.created_at => product.created_at.timestamp_millis(),
            f.rating => product.rating,
            f.in_stock => product.in_stock,
        );
        for tag in &product.tags {
            document.add_text(f.tags, tag);
            document.add_text(f.tags_exact, tag.to_lowercase());
        }
        for category in &product.category_path {
            document.add_text(f.category_names, &category.name);
            document.add_text(f.category_ids, category.id.to_string());
        }
        let writer = self
            .writer
            .lock()
            .map_err(|_| anyhow::anyhow!("index writer poisoned"))?;
        writer.delete_term(Term::from_field_text(f.id, &product.id.to_string()));
        writer.add_document(document)?;
        self.dirty.store(true, Ordering::Relaxed);
        Ok(())
    }

    pub fn remove(&self, id: Uuid) -> anyhow::Result<()> {
        let writer = self
            .writer
            .lock()
            .map_err(|_| anyhow::anyhow!("index writer poisoned"))?;
        writer.delete_term(Term::from_field_text(self.fields.id, &id.to_string()));
        self.dirty.store(true, Ordering::Relaxed);
        Ok(())
    }

    pub fn commit(&self) -> anyhow::Result<()> {
        if !self.dirty.swap(false, Ordering::Relaxed) {
            return Ok(());
        }
        let mut writer = self
            .writer
            .lock()
            .map_err(|_| anyhow::anyhow!("index writer poisoned"))?;
        writer.commit()?;
        drop(writer);
        self.reader.reload()?;
        Ok(())
    }

    pub fn search(&self, request: &SearchRequest) -> anyhow::Result<SearchResults> {
        let searcher = self.reader.searcher();
        let mut clauses = self.filter_clauses(&request.filter);
        let text = request.text.as_deref().and_then(|t| self.text_query(t));
        let has_text = text.is_some();
        if let Some(text) = text {
            clauses.push((Occur::Must, text));
        }
        let query: Box<dyn Query> = if clauses.is_empty() {
            Box::new(AllQuery)
        } else {
            Box::new(BooleanQuery::new(clauses))
        };
        let window = TopDocs::with_limit(request.limit.max(1)).and_offset(request.offset);
        let sort = if request.sort == Sort::Relevance && !has_text {
            Sort::Newest
        } else {
            request.sort
        };
        let (addresses, total): (Vec<DocAddress>, usize) = match sort {
            Sort::Relevance => {
                let (top, total) = searcher.search(&query, &(window.order_by_score(), Count))?;
                (top.into_iter().map(|(_, a)| a).collect(), total)
            }
            Sort::PriceAsc | Sort::PriceDesc => {
                let order = if sort == Sort::PriceAsc {
                    Order::Asc
                } else {
                    Order::Desc
                };
                let (top, total) = searcher.search(
                    &query,
                    &(window.order_by_fast_field::<f64>("min_price", order), Count),
                )?;
                (top.into_iter().map(|(_, a)| a).collect(), total)
            }
            Sort::Newest => {
                let (top, total) = searcher.search(
                    &query,
                    &(
                        window.order_by_fast_field::<i64>("created_at", Order::Desc),
                        Count,
                    ),
                )?;
                (top.into_iter().map(|(_, a)| a).collect(), total)
            }
            Sort::Rating => {
                let (top, total) = searcher.search(
                    &query,
                    &(
                        window.order_by_fast_field::<f64>("rating", Order::Desc),
                        Count,
                    ),
                )?;
                (top.into_iter().map(|(_, a)| a).collect(), total)
            }
        };
        Ok(SearchResults {
            ids: self.ids(&searcher, addresses.into_iter())?,
            total: total as u64,
            facets: self.facets(&searcher, query.as_ref())?,
        })
    }
}

#[cfg(test)]
mod tests {
    use std::str::FromStr;

    use chrono::{TimeZone, Utc};
    use rust_decimal::Decimal;

    use super::*;
    use crate::store::CategoryRef;

    fn id(n: u128) -> Uuid {
        Uuid::from_u128(n)
    }

    fn product(
        n: u128,
        name: &str,
        price: &str,
        categories: &[(u128, &str)],
        tags: &[&str],
    ) -> ProductDoc {
        ProductDoc {
            id: id(n),
            name: name.into(),
            description: format!("All about the {name}."),
            category_path: categories
                .iter()
                .map(|(c, name)| CategoryRef {
                    id: id(*c),
                    name: (*name).into(),
                })
                .collect(),
            tags: tags.iter().map(|t| (*t).into()).collect(),
            min_price: Some(Decimal::from_str(price).unwrap()),
            created_at: Utc.timestamp_opt(1_700_000_000 + n as i64, 0).unwrap(),
            in_stock: n != 4,
            rating: n as f64,
        }
    }

    const SHOES: (u128, &str) = (100, "Shoes");
    const RUNNING: (u128, &str) = (101, "Running");
    const HATS: (u128, &str) = (200, "Hats");

    fn engine() -> TantivyEngine {
        let engine = TantivyEngine::in_memory().unwrap();
        for doc in [
            product(
                1,
                "Trail Runner",
                "89.90",
                &[RUNNING, SHOES],
                &["sale", "trail"],
            ),
            product(2, "Road Racer", "120.00", &[RUNNING, SHOES], &["new"]),
            product(3, "Leather Boot", "45.50", &[SHOES], &["sale"]),
            product(4, "Wool Beanie", "19.00", &[HATS], &["winter"]),
            product(5, "Running Cap", "22.00", &[HATS], &["sale"]),
        ] {
            engine.upsert(&doc).unwrap();
        }
        engine.commit().unwrap();
        engine
    }

    fn search(
        engine: &TantivyEngine,
        text: Option<&str>,
        filter: Filter,
        sort: Sort,
    ) -> SearchResults {
        engine
            .search(&SearchRequest {
                text: text.map(str::to_owned),
                filter,
                sort,
                offset: 0,
                limit: 10,
            })
            .unwrap()
    }

    fn names(results: &SearchResults) -> Vec<u128> {
        results.ids.iter().map(|u| u.as_u128()).collect()
    }

    #[test]
    fn exact_misspelled_and_prefix_words_find_products() {
        let e = engine();
        assert_eq!(
            names(&search(
                &e,
                Some("trail runner"),
                Filter::default(),
                Sort::Relevance
            ))[0],
            1
        );
        assert_eq!(
            names(&search(
                &e,
                Some("trial runnr"),
                Filter::default(),
                Sort::Relevance
            ))[0],
            1,
            "typos"
        );
        assert_eq!(
            names(&search(
                &e,
                Some("leathr"),
                Filter::default(),
                Sort::Relevance
            )),
            [3]
        );
        assert_eq!(
            names(&search(&e, Some("bea"), Filter::default(), Sort::Relevance)),
            [4],
            "prefix of the last word"
        );
        assert!(
            search(&e, Some("xylophone"), Filter::default(), Sort::Relevance)
                .ids
                .is_empty()
        );
        // Name matches rank above description-only matches.
        let running = names(&search(
            &e,
            Some("running"),
            Filter::default(),
            Sort::Relevance,
        ));
        assert_eq!(running[0], 5, "{running:?}");
    }

    #[test]
    fn filters_cover_category_descendants_tags_price_and_stock() {
        let e = engine();
        let in_shoes = Filter {
            category_ids: vec![id(100)],
            ..Filter::default()
        };
        assert_eq!(
            search(&e, None, in_shoes, Sort::Newest).total,
            3,
            "subcategories included"
        );
        let sale = Filter {
            tags: vec!["SALE".into()],
            ..Filter::default()
        };
        assert_eq!(search(&e, None, sale, Sort::Newest).total, 3);
        let cheap = Filter {
            max_price: Some(Decimal::from(30)),
            ..Filter::default()
        };
        assert_eq!(names(&search(&e, None, cheap, Sort::PriceAsc)), [4, 5]);
        let range = Filter {
            min_price: Some(Decimal::from(45)),
            max_price: Some(Decimal::from_str("89.90").unwrap()),
            ..Filter::default()
        };
        assert_eq!(names(&search(&e, None, range, Sort::PriceAsc)), [3, 1]);
        let in_stock = Filter {
            in_stock: Some(true),
            ..Filter::default()
        };
        assert_eq!(search(&e, None, in_stock, Sort::Newest).total, 4);
    }

    #[test]
    fn every_sort_orders_as_named() {
        let e = engine();
        assert_eq!(
            names(&search(&e, None, Filter::default(), Sort::PriceAsc)),
            [4, 5, 3, 1, 2]
        );
        assert_eq!(
            names(&search(&e, None, Filter::default(), Sort::PriceDesc)),
            [2, 1, 3, 5, 4]
        );
        assert_eq!(
            names(&search(&e, None, Filter::default(), Sort::Newest)),
            [5, 4, 3, 2, 1]
        );
        assert_eq!(
            names(&search(&e, None, Filter::default(), Sort::Rating)),
            [5, 4, 3, 2, 1]
        );
    }

    #[test]
    fn ratings_filter_and_order_with_unrated_products_last() {
        let e = engine();
        let rated = |doc: ProductDoc, rating: f64| ProductDoc { rating, ..doc };
        e.upsert(&rated(
            product(
                1,
                "Trail Runner",
                "89.90",
                &[RUNNING, SHOES],
                &["sale", "trail"],
            ),
            4.5,
        ))
        .unwrap();
        e.upsert(&rated(
            product(3, "Leather Boot", "45.50", &[SHOES], &["sale"]),
            0.0,
        ))
        .unwrap();
        e.commit().unwrap();
        // Ratings now: 1 → 4.5, 2 → 2, 3 → none, 4 → 4, 5 → 5.
        assert_eq!(
            names(&search(&e, None, Filter::default(), Sort::Rating)),
            [5, 1, 4, 2, 3]
        );
        let at_least = |min_rating: f64| Filter {
            min_rating: Some(min_rating),
            ..Filter::default()
        };
        assert_eq!(
            names(&search(&e, None, at_least(4.0), Sort::Rating)),
            [5, 1, 4]
        );
        assert_eq!(
            names(&search(&e, None, at_least(4.5), Sort::Rating)),
            [5, 1],
            "the bound is included"
        );
        assert_eq!(
            search(&e, None, at_least(1.0), Sort::Newest).total,
            4,
            "a product without reviews has no rating to pass"
        );
        assert_eq!(
            names(&search(&e, Some("runner"), at_least(4.0), Sort::Relevance)),
            [1]
        );
    }

    #[test]
    fn facets_count_the_whole_match_set() {
        let e = engine();
        let results = e
            .search(&SearchRequest {
                text: None,
                filter: Filter::default(),
                sort: Sort::Newest,
                offset: 0,
                limit: 1,
            })
            .unwrap();
        assert_eq!(results.ids.len(), 1, "one result on the page");
        let count = |name: &str, value: &str| {
            results
                .facet(name)
                .iter()
                .find(|(v, _)| *v == value)
                .map(|(_, count)| *count)
        };
        assert_eq!(count("category", &id(100).to_string()), Some(3));
        assert_eq!(count("category", &id(200).to_string()), Some(2));
        assert_eq!(count("tag", "sale"), Some(3));
        assert_eq!(count("price", "0-25"), Some(2));
        assert_eq!(count("price", "25-50"), Some(1));
        assert_eq!(count("price", "100-200"), Some(1));
    }

    #[test]
    fn the_price_facet_lists_only_buckets_that_hold_products() {
        let e = engine();
        // No `*-0` (no price is below zero) and no empty `200-500` or `500+`.
        let all = search(&e, None, Filter::default(), Sort::Newest);
        assert_eq!(
            all.facet("price"),
            [("0-25", 2), ("25-50", 1), ("50-100", 1), ("100-200", 1)]
        );
        let boots = search(&e, Some("boot"), Filter::default(), Sort::Relevance);
        assert_eq!(boots.facet("price"), [("25-50", 1)]);
        let none = search(&e, Some("kayak"), Filter::default(), Sort::Relevance);
        assert!(none.facets.iter().all(|(_, values)| values.is_empty()));
    }

    #[test]
    fn pages_follow_each_other_and_removed_products_vanish() {
        let e = engine();
        let page = |offset| {
            e.search(&SearchRequest {
                text: None,
                filter: Filter::default(),
                sort: Sort::PriceAsc,
                offset,
                limit: 2,
            })
            .unwrap()
        };
        assert_eq!(names(&page(0)), [4, 5]);
        assert_eq!(names(&page(2)), [3, 1]);
        assert_eq!(names(&page(4)), [2]);
        e.remove(id(2)).unwrap();
        e.commit().unwrap();
        assert_eq!(page(0).total, 4);
        // An update replaces, not duplicates.
        e.upsert(&product(
            1,
            "Trail Runner GTX",
            "95.00",
            &[RUNNING, SHOES],
            &[],
        ))
        .unwrap();
        e.commit().unwrap();
        assert_eq!(page(0).total, 4);
        assert_eq!(
            names(&search(&e, Some("gtx"), Filter::default(), Sort::Relevance)),
            [1]
        );
    }
}

#[cfg(test)]
mod persistence {
    use super::*;

    #[test]
    fn the_index_survives_a_restart() {
        let dir = std::env::temp_dir().join(format!("mm-index-{}", Uuid::now_v7().simple()));
        let doc = ProductDoc {
            id: Uuid::from_u128(7),
            name: "Persistent Lantern".into(),
            description: String::new(),
            category_path: Vec::new(),
            tags: Vec::new(),
            min_price: None,
            created_at: chrono::Utc::now(),
            in_stock: true,
            rating: 0.0,
        };
        {
            let engine = TantivyEngine::open(&dir).unwrap();
            engine.upsert(&doc).unwrap();
            engine.commit().unwrap();
        }
        let reopened = TantivyEngine::open(&dir).unwrap();
        let found = reopened
            .search(&SearchRequest {
                text: Some("lantern".into()),
                filter: Filter::default(),
                sort: Sort::Relevance,
                offset: 0,
                limit: 5,
            })
            .unwrap();
        assert_eq!(found.ids, [doc.id]);
        std::fs::remove_dir_all(dir).ok();
    }
}
