//! Identical subgraph queries in flight at the same moment are sent once: the first caller
//! sends it, the others wait for its answer and get a copy. "Identical" means byte for byte:
//! the same subgraph, operation, variables and every forwarded header that can change the
//! answer (the caller's credentials among them), so nobody is given an answer meant for
//! someone else. Mutations are never shared. A caller that gives up (its client went away)
//! leaves the ones waiting on it to send their own.

use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, Mutex};

use reqwest::header::HeaderMap;
use serde_json::{Map, Value};
use tokio::sync::watch;

use super::client::{Answer, FetchError};

/// Forwarded headers that differ on every request and never change an answer.
const NOT_IN_KEY: [&str; 1] = ["x-request-id"];

type Shared = Result<Arc<Answer>, FetchError>;

#[derive(Default)]
pub struct Inflight {
    /// Calls under way, by their exact key; the receiver lets a newcomer wait on one.
    calls: Mutex<HashMap<Vec<u8>, watch::Receiver<Option<Shared>>>>,
}

/// Takes a call out of the table however its sender ends (answered, failed or dropped), so
/// no newcomer waits on a call nobody will answer.
struct Registered<'a> {
    inflight: &'a Inflight,
    key: Vec<u8>,
}

impl Drop for Registered<'_> {
    fn drop(&mut self) {
        self.inflight.lock().remove(&self.key);
    }
}

impl Inflight {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<Vec<u8>, watch::Receiver<Option<Shared>>>> {
        self.calls.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The key of a subgraph query (`graph` by id): everything that goes into its request.
    pub fn key(
        graph: usize,
        operation: &str,
        variables: &Map<String, Value>,
        headers: &HeaderMap,
    ) -> Vec<u8> {
        let mut key = Vec::with_capacity(operation.len() + 128);
        key.extend_from_slice(&(graph as u64).to_le_bytes());
        let mut field = |bytes: &[u8]| {
            key.extend_from_slice(&(bytes.len() as u64).to_le_bytes());
            key.extend_from_slice(bytes);
        };
        field(operation.as_bytes());
        // A map always serializes.
        field(&serde_json::to_vec(variables).unwrap_or_default());
        let mut names: Vec<&str> = headers
            .keys()
            .map(|name| name.as_str())
            .filter(|name| !NOT_IN_KEY.contains(name))
            .collect();
        names.sort_unstable();
        names.dedup();
        for name in names {
            field(name.as_bytes());
            for value in headers.get_all(name) {
                field(value.as_bytes());
            }
        }
        key
    }

    /// Runs `send` unless a call with this key is under way, whose answer is then shared.
    pub async fn share<F>(&self, key: Vec<u8>, send: F) -> Result<Answer, FetchError>
    where
        F: Future<Output = Result<Answer, FetchError>>,
    {
        let waiting = {
            let mut calls = self.lock();
            match calls.get(&key) {
                Some(under_way) => Err(under_way.clone()),
                None => {
                    let (sender, receiver) = watch::channel(None);
                    calls.insert(key.clone(), receiver);
                    Ok(sender)
                }
            }
        };
        match waiting {
            Ok(sender) => {
                let registered = Registered {
                    inflight: self,
                    key,
                };
                let outcome = send.await;
                drop(registered);
                // Out of the table now: whoever holds a receiver is waiting for this.
                if sender.receiver_count() == 0 {
                    return outcome;
                }
                let shared = outcome.map(Arc::new);
                let mine = copy(&shared);
                let _ = sender.send(Some(shared));
                mine
            }
            Err(mut receiver) => loop {
                if let Some(shared) = receiver.borrow_and_update().as_ref() {
                    return copy(shared);
                }
                if receiver.changed().await.is_err() {
                    // The sender went away without an answer: ask ourselves.
                    return send.await;
                }
            },
        }
    }

    /// Calls under way (for tests).
    pub fn under_way(&self) -> usize {
        self.lock().len()
    }
}

fn copy(shared: &Shared) -> Result<Answer, FetchError> {
    match shared {
        Ok(answer) => Ok(Answer {
            body: answer.body.clone(),
            headers: answer.headers.clone(),
        }),
        Err(error) => Err(error.clone()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::time::Duration;

    use reqwest::header::HeaderValue;
    use serde_json::json;

    fn answer(n: usize) -> Answer {
        Answer {
            body: json!({ "data": { "n": n } }),
            headers: HeaderMap::new(),
        }
    }

    /// A subgraph call that takes a while and counts how often it was made.
    async fn slow(sent: &AtomicUsize) -> Result<Answer, FetchError> {
        let n = sent.fetch_add(1, Ordering::SeqCst) + 1;
        tokio::time::sleep(Duration::from_millis(50)).await;
        Ok(answer(n))
    }

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.append(*name, HeaderValue::from_static(value));
        }
        map
    }

    #[tokio::test]
    async fn identical_calls_at_once_are_sent_once_and_all_answered() {
        let inflight = Inflight::default();
        let sent = AtomicUsize::new(0);
        let key = || Inflight::key(1, "{ a }", &Map::new(), &HeaderMap::new());
        let answers =
            futures::future::join_all((0..10).map(|_| inflight.share(key(), slow(&sent)))).await;
        assert_eq!(sent.load(Ordering::SeqCst), 1);
        for answer in answers {
            assert_eq!(answer.expect("answered").body["data"]["n"], 1);
        }
        assert_eq!(inflight.under_way(), 0, "nothing is left in the table");
        // Once answered, the next call is sent again: nothing is kept.
        inflight.share(key(), slow(&sent)).await.expect("answered");
        assert_eq!(sent.load(Ordering::SeqCst), 2);
    }

    #[tokio::test]
    async fn different_callers_operations_or_variables_are_not_shared() {
        let inflight = Inflight::default();
        let sent = AtomicUsize::new(0);
        let ada = headers(&[("authorization", "Bearer ada"), ("x-request-id", "1")]);
        let bob = headers(&[("authorization", "Bearer bob"), ("x-request-id", "2")]);
        let one = Map::from_iter([("id".to_owned(), json!("1"))]);
        let two = Map::from_iter([("id".to_owned(), json!("2"))]);
        let keys = [
            Inflight::key(1, "{ a }", &Map::new(), &ada),
            Inflight::key(1, "{ a }", &Map::new(), &bob),
            Inflight::key(2, "{ a }", &Map::new(), &ada),
            Inflight::key(1, "{ b }", &Map::new(), &ada),
            Inflight::key(1, "{ a }", &one, &ada),
            Inflight::key(1, "{ a }", &two, &ada),
        ];
        futures::future::join_all(keys.iter().map(|k| inflight.share(k.clone(), slow(&sent))))
            .await;
        assert_eq!(sent.load(Ordering::SeqCst), keys.len());
        // The request id differs on every request and is not part of the key.
        let ada_again = headers(&[("authorization", "Bearer ada"), ("x-request-id", "3")]);
        assert_eq!(keys[0], Inflight::key(1, "{ a }", &Map::new(), &ada_again));
    }

    #[tokio::test]
    async fn a_failure_is_shared_too() {
        let inflight = Inflight::default();
        let sent = AtomicUsize::new(0);
        let failing = || async {
            sent.fetch_add(1, Ordering::SeqCst);
            tokio::time::sleep(Duration::from_millis(50)).await;
            Err::<Answer, _>(FetchError::Timeout)
        };
        let key = || Inflight::key(1, "{ a }", &Map::new(), &HeaderMap::new());
        let (a, b) = tokio::join!(
            inflight.share(key(), failing()),
            inflight.share(key(), failing())
        );
        assert!(matches!(a, Err(FetchError::Timeout)));
        assert!(matches!(b, Err(FetchError::Timeout)));
        assert_eq!(sent.load(Ordering::SeqCst), 1);
    }

    #[tokio::test]
    async fn when_the_first_caller_gives_up_the_others_ask_themselves() {
        let inflight = Arc::new(Inflight::default());
        let sent = Arc::new(AtomicUsize::new(0));
        let key = || Inflight::key(1, "{ a }", &Map::new(), &HeaderMap::new());
        let first = {
            let (inflight, sent) = (inflight.clone(), sent.clone());
            tokio::spawn(async move {
                inflight
                    .share(key(), async {
                        sent.fetch_add(1, Ordering::SeqCst);
                        tokio::time::sleep(Duration::from_secs(30)).await;
                        Ok(answer(0))
                    })
                    .await
            })
        };
        tokio::time::sleep(Duration::from_millis(20)).await;
        let second = {
            let (inflight, sent) = (inflight.clone(), sent.clone());
            tokio::spawn(async move { inflight.share(key(), slow(&sent)).await })
        };
        tokio::time::sleep(Duration::from_millis(20)).await;
        first.abort();
        let answer = tokio::time::timeout(Duration::from_secs(5), second)
            .await
            .expect("the second caller did not wait for an abandoned call")
            .expect("joined")
            .expect("answered");
        assert_eq!(answer.body["data"]["n"], 2);
        assert_eq!(inflight.under_way(), 0);
    }
}
