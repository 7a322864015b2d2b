#![cfg(feature = "elasticsearch")]
//! The Elasticsearch backend against recorded request/response pairs: the exact requests it
//! sends for each operation, and recorded `_search` responses read back. No cluster runs on
//! these machines; what these tests do not show is how a real cluster ranks (see the README).

use std::str::FromStr;
use std::sync::{Arc, Mutex};

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{Method, StatusCode, Uri};
use chrono::{TimeZone, Utc};
use micromall_search::store::elasticsearch::{
    ElasticsearchEngine, document, parse_results, search_body,
};
use micromall_search::store::{CategoryRef, Filter, ProductDoc, SearchEngine, SearchRequest, Sort};
use rust_decimal::Decimal;
use serde_json::{Value, json};
use uuid::Uuid;

fn kayak() -> ProductDoc {
    ProductDoc {
        id: Uuid::from_u128(1),
        name: "Expedition Kayak".into(),
        description: "A stable sea kayak.".into(),
        category_path: vec![CategoryRef {
            id: Uuid::from_u128(10),
            name: "Kayaks".into(),
        }],
        tags: vec!["Paddling".into()],
        min_price: Some(Decimal::from_str("749.00").unwrap()),
        created_at: Utc.timestamp_opt(1_700_000_000, 0).unwrap(),
        in_stock: true,
        rating: 4.5,
    }
}

const FIELDS: [&str; 4] = ["name^3", "tags^1.5", "category_names^1.5", "description"];

fn price_ranges() -> Value {
    json!([
        { "key": "0-25", "from": 0.0, "to": 25.0 },
        { "key": "25-50", "from": 25.0, "to": 50.0 },
        { "key": "50-100", "from": 50.0, "to": 100.0 },
        { "key": "100-200", "from": 100.0, "to": 200.0 },
        { "key": "200-500", "from": 200.0, "to": 500.0 },
        { "key": "500+", "from": 500.0 }
    ])
}

#[test]
fn a_text_search_with_filters_sends_this_query() {
    let request = SearchRequest {
        text: Some("Expedtion kay".into()),
        filter: Filter {
            category_ids: vec![Uuid::from_u128(10)],
            tags: vec![" Paddling ".into()],
            min_price: Some(Decimal::from(100)),
            max_price: None,
            in_stock: Some(true),
            min_rating: Some(4.0),
        },
        sort: Sort::Relevance,
        offset: 20,
        limit: 21,
    };
    assert_eq!(
        search_body(&request),
        json!({
            "from": 20,
            "size": 21,
            "track_total_hits": true,
            "_source": false,
            "query": { "bool": {
                "must": [
                    { "multi_match": { "query": "expedtion", "fields": FIELDS, "fuzziness": "AUTO:4,8" } },
                    { "bool": { "should": [
                        { "multi_match": { "query": "kay", "fields": FIELDS, "fuzziness": "AUTO:4,8" } },
                        { "multi_match": { "query": "kay", "fields": FIELDS, "type": "phrase_prefix" } }
                    ], "minimum_should_match": 1 } }
                ],
                "filter": [
                    { "terms": { "category_ids": [Uuid::from_u128(10).to_string()] } },
                    { "terms": { "tags_exact": ["paddling"] } },
                    { "range": { "min_price": { "gte": 100.0 } } },
                    { "term": { "in_stock": true } },
                    { "range": { "rating": { "gte": 4.0 } } }
                ]
            } },
            "sort": ["_score", { "created_at": "desc" }],
            "aggs": {
                "category": { "terms": { "field": "category_ids", "size": 200 } },
                "tag": { "terms": { "field": "tags_exact", "size": 50 } },
                "price": { "range": { "field": "min_price", "ranges": price_ranges() } }
            }
        })
    );
}

#[test]
fn each_sort_maps_to_its_es_sort() {
    let sort_of = |sort: Sort, text: Option<&str>| {
        search_body(&SearchRequest {
            text: text.map(str::to_owned),
            filter: Filter::default(),
            sort,
            offset: 0,
            limit: 5,
        })["sort"]
            .clone()
    };
    assert_eq!(
        sort_of(Sort::PriceAsc, None),
        json!([{ "min_price": "asc" }])
    );
    assert_eq!(
        sort_of(Sort::PriceDesc, None),
        json!([{ "min_price": "desc" }])
    );
    assert_eq!(
        sort_of(Sort::Newest, Some("x")),
        json!([{ "created_at": "desc" }])
    );
    assert_eq!(sort_of(Sort::Rating, None), json!([{ "rating": "desc" }]));
    assert_eq!(
        sort_of(Sort::Relevance, None),
        json!([{ "created_at": "desc" }]),
        "no text: newest first"
    );
}

/// A `_search` response as Elasticsearch 8/9 returns it (trimmed of timing fields).
fn recorded_response() -> Value {
    json!({
        "took": 3, "timed_out": false,
        "hits": { "total": { "value": 2, "relation": "eq" }, "max_score": null, "hits": [
            { "_index": "micromall-products", "_id": Uuid::from_u128(1).to_string(), "_score": 7.2 },
            { "_index": "micromall-products", "_id": Uuid::from_u128(2).to_string(), "_score": 3.1 }
        ] },
        "aggregations": {
            "category": { "doc_count_error_upper_bound": 0, "sum_other_doc_count": 0, "buckets": [
                { "key": Uuid::from_u128(10).to_string(), "doc_count": 2 }
            ] },
            "tag": { "doc_count_error_upper_bound": 0, "sum_other_doc_count": 0, "buckets": [
                { "key": "paddling", "doc_count": 2 }, { "key": "sale", "doc_count": 1 }
            ] },
            "price": { "buckets": [
                { "key": "0-25", "from": 0.0, "to": 25.0, "doc_count": 0 },
                { "key": "500+", "from": 500.0, "doc_count": 2 }
            ] }
        }
    })
}

#[test]
fn a_recorded_response_is_read_into_results() {
    let results = parse_results(&recorded_response()).unwrap();
    assert_eq!(results.ids, [Uuid::from_u128(1), Uuid::from_u128(2)]);
    assert_eq!(results.total, 2);
    assert_eq!(results.facet("tag"), [("paddling", 2), ("sale", 1)]);
    assert_eq!(
        results.facet("price"),
        [("500+", 2)],
        "buckets that count no product are not listed"
    );
    assert_eq!(results.facet("category")[0].1, 2);
    assert!(parse_results(&json!({ "error": { "type": "index_not_found_exception" } })).is_err());
}

type Recorded = Arc<Mutex<Vec<(Method, String, Value)>>>;

/// A stand-in cluster: records every request, answers like Elasticsearch would.
async fn fake_cluster(
    State(log): State<Recorded>,
    method: Method,
    uri: Uri,
    body: Bytes,
) -> (StatusCode, axum::Json<Value>) {
    // NDJSON bodies (`_bulk`) are recorded as their lines.
    let body_json = serde_json::from_slice(&body).unwrap_or_else(|_| {
        Value::Array(
            String::from_utf8_lossy(&body)
                .lines()
                .map(|l| serde_json::from_str(l).unwrap_or(Value::Null))
                .collect(),
        )
    });
    log.lock()
        .unwrap()
        .push((method.clone(), uri.path().to_owned(), body_json));
    match (method.as_str(), uri.path()) {
        ("HEAD", "/micromall-products") => (StatusCode::NOT_FOUND, axum::Json(json!({}))),
        ("PUT", "/micromall-products") => {
            (StatusCode::OK, axum::Json(json!({ "acknowledged": true })))
        }
        ("POST", "/micromall-products/_bulk") => (
            StatusCode::OK,
            axum::Json(json!({ "errors": true, "items": [
                { "index": { "_id": Uuid::from_u128(1).to_string(), "status": 201 } },
                { "delete": { "_id": Uuid::from_u128(2).to_string(), "status": 404 } }
            ] })),
        ),
        ("POST", "/micromall-products/_refresh") => (
            StatusCode::OK,
            axum::Json(json!({ "_shards": { "failed": 0 } })),
        ),
        ("POST", "/micromall-products/_search") => {
            (StatusCode::OK, axum::Json(recorded_response()))
        }
        _ => (
            StatusCode::BAD_REQUEST,
            axum::Json(json!({ "error": "unexpected" })),
        ),
    }
}

/// The engine, connected to `cluster` served on a free port.
async fn engine_against(cluster: axum::Router) -> ElasticsearchEngine {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, cluster).await });
    ElasticsearchEngine::connect(&url, "micromall-products")
        .await
        .unwrap()
}

#[tokio::test]
async fn the_engine_sends_the_recorded_requests_and_reads_the_answers() {
    let log: Recorded = Arc::default();
    let engine = engine_against(
        axum::Router::new()
            .fallback(fake_cluster)
            .with_state(log.clone()),
    )
    .await;
    engine.upsert(&kayak()).await.unwrap();
    engine.remove(Uuid::from_u128(2)).await.unwrap();
    engine
        .commit()
        .await
        .expect("a delete of a missing product is not a failure");
    let request = SearchRequest {
        text: Some("kayak".into()),
        filter: Filter::default(),
        sort: Sort::PriceAsc,
        offset: 0,
        limit: 2,
    };
    let results = engine.search(&request).await.unwrap();
    assert_eq!(results.total, 2);
    engine.commit().await.unwrap();

    let log = log.lock().unwrap().clone();
    let calls: Vec<(String, String)> = log
        .iter()
        .map(|(m, p, _)| (m.to_string(), p.clone()))
        .collect();
    assert_eq!(
        calls,
        [
            ("HEAD".into(), "/micromall-products".into()),
            ("PUT".into(), "/micromall-products".into()),
            ("POST".into(), "/micromall-products/_bulk".into()),
            ("POST".into(), "/micromall-products/_refresh".into()),
            ("POST".into(), "/micromall-products/_search".into()),
        ],
        "the second commit had nothing to send"
    );
    assert_eq!(
        log[1].2["mappings"]["properties"]["category_ids"]["type"],
        "keyword"
    );
    // One bulk request: index the kayak, then delete product 2.
    let bulk = log[2].2.as_array().unwrap().clone();
    assert_eq!(bulk.len(), 3);
    assert_eq!(
        bulk[0],
        json!({ "index": { "_id": Uuid::from_u128(1).to_string() } })
    );
    assert_eq!(bulk[1], document(&kayak()));
    assert_eq!(
        bulk[1],
        json!({
            "name": "Expedition Kayak", "description": "A stable sea kayak.", "tags": ["Paddling"], "tags_exact": ["paddling"],
            "category_names": ["Kayaks"], "category_ids": [Uuid::from_u128(10).to_string()], "min_price": 749.0,
            "created_at": 1_700_000_000_000_i64, "rating": 4.5, "in_stock": true
        })
    );
    assert_eq!(
        bulk[2],
        json!({ "delete": { "_id": Uuid::from_u128(2).to_string() } })
    );
    assert_eq!(log[4].2, search_body(&request));
}

#[tokio::test]
async fn writes_a_cluster_refuses_are_kept_for_the_next_commit() {
    let log: Recorded = Arc::default();
    let refusing = |State(log): State<Recorded>, method: Method, uri: Uri, body: Bytes| async move {
        log.lock().unwrap().push((
            method.clone(),
            uri.path().to_owned(),
            Value::String(String::from_utf8_lossy(&body).into_owned()),
        ));
        match (method.as_str(), uri.path()) {
            ("HEAD", _) => (StatusCode::OK, axum::Json(json!({}))),
            ("POST", "/micromall-products/_bulk") => (
                StatusCode::SERVICE_UNAVAILABLE,
                axum::Json(json!({ "error": "unavailable" })),
            ),
            _ => (StatusCode::OK, axum::Json(json!({}))),
        }
    };
    let engine = engine_against(
        axum::Router::new()
            .fallback(refusing)
            .with_state(log.clone()),
    )
    .await;
    engine.upsert(&kayak()).await.unwrap();
    assert!(engine.commit().await.is_err());
    assert!(engine.commit().await.is_err(), "still pending, sent again");
    let bulks: Vec<String> = log
        .lock()
        .unwrap()
        .iter()
        .filter(|(_, p, _)| p.ends_with("/_bulk"))
        .map(|(_, _, b)| b.as_str().unwrap().to_owned())
        .collect();
    assert_eq!(bulks.len(), 2);
    assert_eq!(bulks[0], bulks[1], "the same writes, not lost");
}
