//! Replicas of a subgraph: calls go round-robin over the ones in rotation. A replica that
//! refuses a connection or stops answering leaves the rotation, and a probe of its health
//! endpoint brings it back once it answers 2xx. With every replica out, they are all still
//! tried: a wrong guess costs a failed connection, not an outage.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

/// How often a replica out of rotation is probed.
const PROBE_EVERY: Duration = Duration::from_millis(500);

pub struct Replicas {
    replicas: Vec<Arc<Replica>>,
    next: AtomicUsize,
}

pub struct Replica {
    pub url: String,
    health_url: String,
    out: AtomicBool,
}

impl Replicas {
    /// `urls` must not be empty; `health_path` is asked on each replica's origin.
    pub fn new(urls: &[String], health_path: &str) -> Self {
        Self {
            replicas: urls
                .iter()
                .map(|url| {
                    Arc::new(Replica {
                        health_url: health_url(url, health_path),
                        url: url.clone(),
                        out: AtomicBool::new(false),
                    })
                })
                .collect(),
            next: AtomicUsize::new(0),
        }
    }

    /// Every replica, in the order to try them: those in rotation first, starting at the
    /// next in turn, then those out of it.
    pub fn order(&self) -> Vec<Arc<Replica>> {
        let n = self.replicas.len();
        let start = self.next.fetch_add(1, Ordering::Relaxed) % n.max(1);
        let turn = (0..n).map(|i| &self.replicas[(start + i) % n]);
        let (mut order, out): (Vec<_>, Vec<_>) = turn.cloned().partition(|r| !r.is_out());
        order.extend(out);
        order
    }
}

impl Replica {
    pub fn is_out(&self) -> bool {
        self.out.load(Ordering::Relaxed)
    }

    /// Takes the replica out of rotation; the first to do so starts the probe that brings
    /// it back. Needs a Tokio runtime (it is called while serving).
    pub fn take_out(self: &Arc<Self>, http: &reqwest::Client) {
        if self.out.swap(true, Ordering::AcqRel) {
            return;
        }
        tracing::warn!(replica = %self.url, "subgraph replica out of rotation");
        let replica = self.clone();
        let http = http.clone();
        tokio::spawn(async move {
            loop {
                tokio::time::sleep(PROBE_EVERY).await;
                let healthy = http
                    .get(&replica.health_url)
                    .timeout(PROBE_EVERY)
                    .send()
                    .await
                    .is_ok_and(|r| r.status().is_success());
                if healthy {
                    replica.out.store(false, Ordering::Release);
                    tracing::info!(replica = %replica.url, "subgraph replica back in rotation");
                    return;
                }
            }
        });
    }
}

/// `health_path` on the origin of `url` (`http://h:1/graphql` → `http://h:1/health`).
fn health_url(url: &str, health_path: &str) -> String {
    let origin_end = url
        .find("://")
        .map(|scheme| scheme + 3)
        .and_then(|host| url[host..].find('/').map(|path| host + path))
        .unwrap_or(url.len());
    format!("{}{health_path}", &url[..origin_end])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn urls(n: usize) -> Vec<String> {
        (0..n)
            .map(|i| format!("http://r{i}:4002/graphql"))
            .collect()
    }

    #[test]
    fn the_health_endpoint_is_on_the_replicas_origin() {
        assert_eq!(
            health_url("http://catalog:4002/graphql", "/health"),
            "http://catalog:4002/health"
        );
        assert_eq!(
            health_url("http://catalog:4002", "/health"),
            "http://catalog:4002/health"
        );
    }

    #[test]
    fn calls_take_turns_over_the_replicas() {
        let replicas = Replicas::new(&urls(3), "/health");
        let firsts: Vec<String> = (0..6).map(|_| replicas.order()[0].url.clone()).collect();
        assert_eq!(firsts[..3], firsts[3..]);
        let mut distinct = firsts[..3].to_vec();
        distinct.sort();
        distinct.dedup();
        assert_eq!(distinct.len(), 3, "{firsts:?}");
    }

    #[test]
    fn a_replica_out_of_rotation_is_tried_last() {
        let replicas = Replicas::new(&urls(3), "/health");
        replicas.replicas[1].out.store(true, Ordering::Relaxed);
        for _ in 0..6 {
            let order = replicas.order();
            assert_eq!(order.len(), 3);
            assert_eq!(order[2].url, "http://r1:4002/graphql");
        }
    }
}
