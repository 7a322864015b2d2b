//! Windowed counters for rate limits and lock-outs: in process (moka) in the embedded mode,
//! Redis when `REDIS_URL` is set so every replica shares one budget.

use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context as _;
use async_trait::async_trait;

#[async_trait]
pub trait Counters: Send + Sync {
    /// Adds one to `key`; the window starts at the first hit. Returns the count in the window.
    async fn increment(&self, key: &str, window: Duration) -> anyhow::Result<u64>;
    /// The count in the current window (0 when none).
    async fn get(&self, key: &str) -> anyhow::Result<u64>;
    async fn reset(&self, key: &str) -> anyhow::Result<()>;
}

/// Picks the backend the settings ask for.
pub async fn connect(redis_url: Option<&str>) -> anyhow::Result<Arc<dyn Counters>> {
    Ok(match redis_url {
        Some(url) => Arc::new(RedisCounters::connect(url, "micromall").await?),
        None => Arc::new(MemoryCounters::default()),
    })
}

pub struct MemoryCounters {
    entries: moka::future::Cache<String, (u64, Instant)>,
}

impl Default for MemoryCounters {
    fn default() -> Self {
        Self {
            entries: moka::future::Cache::builder()
                .max_capacity(1_000_000)
                .time_to_idle(Duration::from_secs(24 * 3600))
                .build(),
        }
    }
}

#[async_trait]
impl Counters for MemoryCounters {
    async fn increment(&self, key: &str, window: Duration) -> anyhow::Result<u64> {
        let now = Instant::now();
        let entry = self
            .entries
            .entry(key.to_owned())
            .and_compute_with(|current| {
                let next = match current.map(|e| e.into_value()) {
                    Some((count, expires)) if expires > now => (count + 1, expires),
                    _ => (1, now + window),
                };
                std::future::ready(moka::ops::compute::Op::Put(next))
            })
            .await;
        Ok(entry.into_entry().map_or(1, |e| e.into_value().0))
    }

    async fn get(&self, key: &str) -> anyhow::Result<u64> {
        Ok(match self.entries.get(key).await {
            Some((count, expires)) if expires > Instant::now() => count,
            _ => 0,
        })
    }

    async fn reset(&self, key: &str) -> anyhow::Result<()> {
        self.entries.invalidate(key).await;
        Ok(())
    }
}

pub struct RedisCounters {
    conn: redis::aio::ConnectionManager,
    prefix: String,
}

/// INCR, starting the expiry with the first hit, in one atomic step.
const INCREMENT: &str = r"
local c = redis.call('INCR', KEYS[1])
if c == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
return c";

impl RedisCounters {
    pub async fn connect(url: &str, prefix: &str) -> anyhow::Result<Self> {
        let client = redis::Client::open(url).context("invalid REDIS_URL")?;
        let config = redis::aio::ConnectionManagerConfig::new()
            .set_connection_timeout(Some(Duration::from_secs(2)))
            .set_response_timeout(Some(Duration::from_secs(1)));
        let conn = redis::aio::ConnectionManager::new_with_config(client, config)
            .await
            .context("cannot connect to Redis")?;
        Ok(Self {
            conn,
            prefix: prefix.to_owned(),
        })
    }

    fn key(&self, key: &str) -> String {
        format!("{}:counter:{key}", self.prefix)
    }
}

#[async_trait]
impl Counters for RedisCounters {
    async fn increment(&self, key: &str, window: Duration) -> anyhow::Result<u64> {
        let mut conn = self.conn.clone();
        let count: u64 = redis::Script::new(INCREMENT)
            .key(self.key(key))
            .arg(window.as_millis() as u64)
            .invoke_async(&mut conn)
            .await?;
        Ok(count)
    }

    async fn get(&self, key: &str) -> anyhow::Result<u64> {
        let mut conn = self.conn.clone();
        let count: Option<u64> = redis::cmd("GET")
            .arg(self.key(key))
            .query_async(&mut conn)
            .await?;
        Ok(count.unwrap_or(0))
    }

    async fn reset(&self, key: &str) -> anyhow::Result<()> {
        let mut conn = self.conn.clone();
        let _: () = redis::cmd("DEL")
            .arg(self.key(key))
            .query_async(&mut conn)
            .await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn exercise(counters: &dyn Counters, key: &str) {
        assert_eq!(counters.get(key).await.unwrap(), 0);
        for expected in 1..=3 {
            assert_eq!(
                counters
                    .increment(key, Duration::from_millis(300))
                    .await
                    .unwrap(),
                expected
            );
        }
        assert_eq!(counters.get(key).await.unwrap(), 3);
        tokio::time::sleep(Duration::from_millis(450)).await;
        assert_eq!(counters.get(key).await.unwrap(), 0, "window expired");
        assert_eq!(
            counters
                .increment(key, Duration::from_secs(5))
                .await
                .unwrap(),
            1
        );
        counters.reset(key).await.unwrap();
        assert_eq!(counters.get(key).await.unwrap(), 0);
    }

    #[tokio::test]
    async fn memory_counters_count_within_a_window() {
        exercise(&MemoryCounters::default(), "k").await;
    }

    #[tokio::test]
    async fn redis_counters_count_within_a_window() {
        let Ok(url) = std::env::var("MICROMALL_TEST_REDIS_URL") else {
            eprintln!("MICROMALL_TEST_REDIS_URL not set: Redis counters not exercised");
            return;
        };
        let counters = RedisCounters::connect(&url, &format!("test-{}", uuid::Uuid::now_v7()))
            .await
            .expect("MICROMALL_TEST_REDIS_URL is set but Redis is unreachable");
        exercise(&counters, "k").await;
    }
}
