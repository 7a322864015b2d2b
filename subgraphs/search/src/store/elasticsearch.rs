//! The search backend at scale: an Elasticsearch index, through its REST API.
//!
//! The same semantics as the embedded engine, in the query DSL: every word must match one of
//! the boosted fields, exactly or within `AUTO:4,8` edits (1 typo from 4 letters, 2 from 8);
//! the last word also matches as a prefix; filters are `bool.filter` clauses; facets are
//! aggregations over the whole match set. Requests are built and responses read by pure
//! functions, so both can be checked against recorded pairs without a cluster.

use std::time::Duration;

use anyhow::{Context as _, bail};
use rust_decimal::prelude::ToPrimitive;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::store::{
    FacetCount, PRICE_BUCKETS, ProductDoc, SearchEngine, SearchRequest, SearchResults, Sort,
    bucket_label, shown,
};

const FIELDS: [&str; 4] = ["name^3", "tags^1.5", "category_names^1.5", "description"];

/// The index mapping: text fields for matching, keywords for filters and facets.
pub fn mapping() -> Value {
    json!({
        "mappings": {
            "dynamic": "strict",
            "properties": {
                "name": { "type": "text" },
                "description": { "type": "text" },
                "tags": { "type": "text" },
                "tags_exact": { "type": "keyword" },
                "category_names": { "type": "text" },
                "category_ids": { "type": "keyword" },
                "min_price": { "type": "double" },
                "created_at": { "type": "date", "format": "epoch_millis" },
                "rating": { "type": "double" },
                "in_stock": { "type": "boolean" }
            }
        }
    })
}

/// The document stored for a product.
pub fn document(product: &ProductDoc) -> Value {
    json!({
        "name": product.name,
        "description": product.description,
        "tags": product.tags,
        "tags_exact": product.tags.iter().map(|t| t.to_lowercase()).collect::<Vec<_>>(),
        "category_names": product.category_path.iter().map(|c| c.name.clone()).collect::<Vec<_>>(),
        "category_ids": product.category_path.iter().map(|c| c.id.to_string()).collect::<Vec<_>>(),
        "min_price": product.min_price.and_then(|p| p.to_f64()).unwrap_or(0.0),
        "created_at": product.created_at.timestamp_millis(),
        "rating": product.rating,
        "in_stock": product.in_stock,
    })
}

/// The `_search` body for a request.
pub fn search_body(request: &SearchRequest) -> Value {
    let words: Vec<String> = request
        .text
        .as_deref()
        .unwrap_or("")
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .take(16)
        .map(str::to_lowercase)
        .collect();
    let must: Vec<Value> = words
        .iter()
        .enumerate()
        .map(|(i, word)| {
            let fuzzy = json!({ "multi_match": { "query": word, "fields": FIELDS, "fuzziness": "AUTO:4,8" } });
            if i + 1 == words.len() {
                json!({ "bool": { "should": [fuzzy, { "multi_match": { "query": word, "fields": FIELDS, "type": "phrase_prefix" } }], "minimum_should_match": 1 } })
            } else {
                fuzzy
            }
        })
        .collect();
    let f = &request.filter;
    let mut filter: Vec<Value> = Vec::new();
    if !f.category_ids.is_empty() {
        filter.push(json!({ "terms": { "category_ids": f.category_ids.iter().map(Uuid::to_string).collect::<Vec<_>>() } }));
    }
    if !f.tags.is_empty() {
        filter.push(json!({ "terms": { "tags_exact": f.tags.iter().map(|t| t.trim().to_lowercase()).collect::<Vec<_>>() } }));
    }
    if f.min_price.is_some() || f.max_price.is_some() {
        let mut range = serde_json::Map::new();
        if let Some(min) = f.min_price.and_then(|p| p.to_f64()) {
            range.insert("gte".into(), json!(min));
        }
        if let Some(max) = f.max_price.and_then(|p| p.to_f64()) {
            range.insert("lte".into(), json!(max));
        }
        filter.push(json!({ "range": { "min_price": range } }));
    }
    if let Some(in_stock) = f.in_stock {
        filter.push(json!({ "term": { "in_stock": in_stock } }));
    }
    if let Some(min_rating) = f.min_rating {
        filter.push(json!({ "range": { "rating": { "gte": min_rating } } }));
    }
    let sort = match (request.sort, words.is_empty()) {
        (Sort::Relevance, false) => json!(["_score", { "created_at": "desc" }]),
        (Sort::Relevance, true) | (Sort::Newest, _) => json!([{ "created_at": "desc" }]),
        (Sort::PriceAsc, _) => json!([{ "min_price": "asc" }]),
        (Sort::PriceDesc, _) => json!([{ "min_price": "desc" }]),
        (Sort::Rating, _) => json!([{ "rating": "desc" }]),
    };
    let ranges: Vec<Value> = PRICE_BUCKETS
        .iter()
        .map(|(from, to)| match to {
            Some(to) => json!({ "key": bucket_label(*from, Some(*to)), "from": from, "to": to }),
            None => json!({ "key": bucket_label(*from, None), "from": from }),
        })
        .collect();
    json!({
        "from": request.offset,
        "size": request.limit,
        "track_total_hits": true,
        "_source": false,
        "query": { "bool": { "must": must, "filter": filter } },
        "sort": sort,
        "aggs": {
            "category": { "terms": { "field": "category_ids", "size": 200 } },
            "tag": { "terms": { "field": "tags_exact", "size": 50 } },
            "price": { "range": { "field": "min_price", "ranges": ranges } }
        }
    })
}

/// Reads a `_search` response.
pub fn parse_results(response: &Value) -> anyhow::Result<SearchResults> {
    let hits = response["hits"]["hits"]
        .as_array()
        .context("no hits in the response")?;
    let ids = hits
        .iter()
        .map(|h| {
            h["_id"]
                .as_str()
                .and_then(|id| Uuid::parse_str(id).ok())
                .context("a hit without a product id")
        })
        .collect::<anyhow::Result<Vec<_>>>()?;
    let total = response["hits"]["total"]["value"]
        .as_u64()
        .context("no total in the response")?;
    let buckets = |name: &str| -> Vec<FacetCount> {
        response["aggregations"][name]["buckets"]
            .as_array()
            .map(|buckets| {
                buckets
                    .iter()
                    .filter_map(|b| {
                        Some(FacetCount {
                            value: b["key"].as_str()?.to_owned(),
                            count: b["doc_count"].as_u64()?,
                        })
                    })
                    .filter(|f| shown(name, f))
                    .collect()
            })
            .unwrap_or_default()
    };
    Ok(SearchResults {
        ids,
        total,
        facets: vec![
            ("category".into(), buckets("category")),
            ("tag".into(), buckets("tag")),
            ("price".into(), buckets("price")),
        ],
    })
}

/// One buffered write, sent in the next `_bulk` request.
enum Write {
    Index(Uuid, Value),
    Delete(Uuid),
}

/// The `_bulk` body (NDJSON) for buffered writes, in order.
fn bulk_body(writes: &[Write]) -> String {
    let mut body = String::new();
    for write in writes {
        match write {
            Write::Index(id, doc) => {
                body.push_str(&json!({ "index": { "_id": id.to_string() } }).to_string());
                body.push('\n');
                body.push_str(&doc.to_string());
            }
            Write::Delete(id) => {
                body.push_str(&json!({ "delete": { "_id": id.to_string() } }).to_string())
            }
        }
        body.push('\n');
    }
    body
}

/// Writes are buffered and sent in bulk at each commit (a few times a second), then the index
/// is refreshed so they become searchable.
pub struct ElasticsearchEngine {
    http: reqwest::Client,
    index_url: String,
    pending: std::sync::Mutex<Vec<Write>>,
}

impl ElasticsearchEngine {
    /// Connects and creates the index with its mapping when it does not exist.
    pub async fn connect(base_url: &str, index: &str) -> anyhow::Result<Self> {
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(10))
            .connect_timeout(Duration::from_secs(3))
            .build()?;
        let engine = Self {
            http,
            index_url: format!("{}/{index}", base_url.trim_end_matches('/')),
            pending: std::sync::Mutex::new(Vec::new()),
        };
        let exists = engine
            .http
            .head(&engine.index_url)
            .send()
            .await
            .context("Elasticsearch is unreachable")?;
        if exists.status() == reqwest::StatusCode::NOT_FOUND {
            let created = engine
                .http
                .put(&engine.index_url)
                .json(&mapping())
                .send()
                .await?;
            if !created.status().is_success()
                && created.status() != reqwest::StatusCode::BAD_REQUEST
            {
                bail!(
                    "creating the search index failed: HTTP {}",
                    created.status()
                );
            }
        }
        Ok(engine)
    }
}

impl ElasticsearchEngine {
    fn buffer(&self, write: Write) -> anyhow::Result<()> {
        self.pending
            .lock()
            .map_err(|_| anyhow::anyhow!("write buffer poisoned"))?
            .push(write);
        Ok(())
    }
}

#[async_trait::async_trait]
impl SearchEngine for ElasticsearchEngine {
    async fn upsert(&self, product: &ProductDoc) -> anyhow::Result<()> {
        self.buffer(Write::Index(product.id, document(product)))
    }

    async fn remove(&self, id: Uuid) -> anyhow::Result<()> {
        self.buffer(Write::Delete(id))
    }

    async fn search(&self, request: &SearchRequest) -> anyhow::Result<SearchResults> {
        let response = self
            .http
            .post(format!("{}/_search", self.index_url))
            .json(&search_body(request))
            .send()
            .await?;
        if !response.status().is_success() {
            bail!("search failed: HTTP {}", response.status());
        }
        parse_results(&response.json::<Value>().await?)
    }

    async fn commit(&self) -> anyhow::Result<()> {
        let writes = std::mem::take(
            &mut *self
                .pending
                .lock()
                .map_err(|_| anyhow::anyhow!("write buffer poisoned"))?,
        );
        if writes.is_empty() {
            return Ok(());
        }
        let response = self
            .http
            .post(format!("{}/_bulk", self.index_url))
            .header("content-type", "application/x-ndjson")
            .body(bulk_body(&writes))
            .send()
            .await;
        let failed = match response {
            Ok(r) if r.status().is_success() => {
                let result: Value = r.json().await.unwrap_or(Value::Null);
                // A delete of a missing document is not an error; anything else is.
                result["items"].as_array().is_some_and(|items| {
                    items.iter().any(|item| {
                        let status = item["index"]["status"]
                            .as_u64()
                            .or_else(|| item["delete"]["status"].as_u64());
                        status.is_some_and(|s| s >= 300 && s != 404)
                    })
                })
            }
            _ => true,
        };
        if failed {
            // Keep the writes for the next commit, before anything newer.
            let mut pending = self
                .pending
                .lock()
                .map_err(|_| anyhow::anyhow!("write buffer poisoned"))?;
            let newer = std::mem::take(&mut *pending);
            *pending = writes.into_iter().chain(newer).collect();
            bail!("bulk indexing failed; will retry");
        }
        let refreshed = self
            .http
            .post(format!("{}/_refresh", self.index_url))
            .send()
            .await?;
        if !refreshed.status().is_success() {
            bail!(
                "refreshing the search index failed: HTTP {}",
                refreshed.status()
            );
        }
        Ok(())
    }
}
