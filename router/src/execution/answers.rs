//! Subgraph answers kept for anonymous callers, the way a shared HTTP cache keeps pages: a
//! query fetch answered without errors and with `Cache-Control: max-age=N` (not `private`,
//! `no-store` or `no-cache`) is answered from memory for N seconds to any caller without
//! credentials sending the same operation with the same variables. The subgraph decides what
//! may be kept and for how long; a caller with an `Authorization` header always reaches it.

use std::sync::Arc;
use std::time::{Duration, Instant};

use reqwest::header::{CACHE_CONTROL, HeaderMap};
use serde_json::{Map, Value};

/// Longest an answer is kept, whatever a subgraph says.
const LONGEST: Duration = Duration::from_secs(300);

pub type AnswerKey = [u8; 32];

pub struct AnswerCache {
    entries: Option<moka::sync::Cache<AnswerKey, Arc<Kept>>>,
}

struct Kept {
    body: Value,
    until: Instant,
}

impl AnswerCache {
    /// Keeps up to about `max_bytes` of answers; 0 keeps none.
    pub fn new(max_bytes: u64) -> Self {
        let entries = (max_bytes > 0).then(|| {
            moka::sync::Cache::builder()
                .max_capacity(max_bytes)
                .weigher(|_, kept: &Arc<Kept>| weight(&kept.body))
                .time_to_live(LONGEST)
                .build()
        });
        Self { entries }
    }

    /// The key of a fetch whose answer may be shared, or `None` when it may not: caching is
    /// off, the operation is not a query, or the caller sent credentials.
    pub fn key(
        &self,
        graph: usize,
        query: bool,
        operation: &str,
        variables: &Map<String, Value>,
        headers: &HeaderMap,
    ) -> Option<AnswerKey> {
        if self.entries.is_none() || !query || headers.contains_key("authorization") {
            return None;
        }
        use sha2::{Digest, Sha256};
        let mut hasher = Sha256::new();
        hasher.update((graph as u64).to_le_bytes());
        hasher.update((operation.len() as u64).to_le_bytes());
        hasher.update(operation.as_bytes());
        // serde_json keeps object keys sorted (no `preserve_order`), so equal variables give
        // equal text. A map always serializes.
        let text = serde_json::to_vec(variables).unwrap_or_default();
        hasher.update(&text);
        Some(hasher.finalize().into())
    }

    pub fn get(&self, key: &AnswerKey) -> Option<Value> {
        let entries = self.entries.as_ref()?;
        let kept = entries.get(key)?;
        if kept.until <= Instant::now() {
            entries.invalidate(key);
            return None;
        }
        Some(kept.body.clone())
    }

    /// Keeps `body` if the subgraph's headers allow it and it carries no errors.
    pub fn put(&self, key: AnswerKey, body: &Value, headers: &HeaderMap) {
        let Some(entries) = &self.entries else {
            return;
        };
        let Some(max_age) = shared_max_age(headers) else {
            return;
        };
        if body.get("errors").is_some_and(|e| !e.is_null()) {
            return;
        }
        let kept = Kept {
            body: body.clone(),
            until: Instant::now() + max_age.min(LONGEST),
        };
        entries.insert(key, Arc::new(kept));
    }
}

/// How long a shared cache may keep an answer with these headers.
fn shared_max_age(headers: &HeaderMap) -> Option<Duration> {
    let mut max_age = None;
    for value in headers.get_all(CACHE_CONTROL) {
        let value = value.to_str().ok()?;
        for directive in value.split(',').map(str::trim) {
            let (name, argument) = directive.split_once('=').unwrap_or((directive, ""));
            match name.to_ascii_lowercase().as_str() {
                "private" | "no-store" | "no-cache" => return None,
                "max-age" | "s-maxage" => {
                    let seconds: u64 = argument.trim_matches('"').parse().ok()?;
                    max_age = Some(max_age.map_or(seconds, |m: u64| m.min(seconds)));
                }
                _ => {}
            }
        }
    }
    max_age.filter(|s| *s > 0).map(Duration::from_secs)
}

/// Rough bytes an answer holds in memory.
fn weight(body: &Value) -> u32 {
    fn walk(value: &Value) -> usize {
        match value {
            Value::String(s) => 32 + s.len(),
            Value::Array(items) => 32 + items.iter().map(walk).sum::<usize>(),
            Value::Object(object) => {
                32 + object
                    .iter()
                    .map(|(k, v)| 48 + k.len() + walk(v))
                    .sum::<usize>()
            }
            _ => 16,
        }
    }
    u32::try_from(walk(body)).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;
    use serde_json::json;

    fn headers(cache_control: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(CACHE_CONTROL, HeaderValue::from_str(cache_control).unwrap());
        headers
    }

    #[test]
    fn only_what_a_shared_cache_may_keep_is_kept() {
        assert_eq!(
            shared_max_age(&headers("max-age=5")),
            Some(Duration::from_secs(5))
        );
        assert_eq!(
            shared_max_age(&headers("public, max-age=60, s-maxage=2")),
            Some(Duration::from_secs(2))
        );
        assert_eq!(shared_max_age(&headers("max-age=5, private")), None);
        assert_eq!(shared_max_age(&headers("no-store")), None);
        assert_eq!(shared_max_age(&headers("no-cache")), None);
        assert_eq!(shared_max_age(&headers("max-age=0")), None);
        assert_eq!(shared_max_age(&headers("max-age=soon")), None);
        assert_eq!(shared_max_age(&HeaderMap::new()), None);
    }

    #[test]
    fn credentials_mutations_and_a_disabled_cache_get_no_key() {
        let cache = AnswerCache::new(1 << 20);
        let vars = Map::new();
        let anonymous = HeaderMap::new();
        assert!(cache.key(0, true, "{ a }", &vars, &anonymous).is_some());
        assert!(
            cache
                .key(0, false, "mutation { a }", &vars, &anonymous)
                .is_none()
        );
        let mut signed_in = HeaderMap::new();
        signed_in.insert("authorization", HeaderValue::from_static("Bearer x"));
        assert!(cache.key(0, true, "{ a }", &vars, &signed_in).is_none());
        assert!(
            AnswerCache::new(0)
                .key(0, true, "{ a }", &vars, &anonymous)
                .is_none()
        );
    }

    #[test]
    fn answers_are_kept_per_subgraph_operation_and_variables_and_never_with_errors() {
        let cache = AnswerCache::new(1 << 20);
        let anonymous = HeaderMap::new();
        let vars = |n: i64| json!({ "n": n }).as_object().cloned().unwrap();
        let key = cache.key(0, true, "{ a }", &vars(1), &anonymous).unwrap();
        cache.put(key, &json!({ "data": { "a": 1 } }), &headers("max-age=5"));
        assert_eq!(cache.get(&key), Some(json!({ "data": { "a": 1 } })));
        for other in [
            cache.key(1, true, "{ a }", &vars(1), &anonymous),
            cache.key(0, true, "{ b }", &vars(1), &anonymous),
            cache.key(0, true, "{ a }", &vars(2), &anonymous),
        ] {
            assert_eq!(cache.get(&other.unwrap()), None);
        }
        let failed = cache.key(0, true, "{ c }", &vars(1), &anonymous).unwrap();
        cache.put(
            failed,
            &json!({ "data": null, "errors": [{}] }),
            &headers("max-age=5"),
        );
        assert_eq!(cache.get(&failed), None);
    }

    #[test]
    fn an_answer_is_gone_once_its_max_age_has_passed() {
        let cache = AnswerCache::new(1 << 20);
        let key = cache
            .key(0, true, "{ a }", &Map::new(), &HeaderMap::new())
            .unwrap();
        cache.put(key, &json!({ "data": {} }), &headers("max-age=1"));
        assert!(cache.get(&key).is_some());
        std::thread::sleep(Duration::from_millis(1100));
        assert_eq!(cache.get(&key), None);
    }
}
