//! Windowed counters for rate limits and lock-outs: in process (moka) in the embedded mode,
//! Redis when `REDIS_URL` is set so every replica shares one budget.
//!
//! A limit must not be lifted because its store is down: while Redis fails, each replica
//! counts in process, starting from the counts it last saw in Redis.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::Context as _;
use async_trait::async_trait;

#[async_trait]
pub trait Counters: Send + Sync {
    /// Adds one to `key`; the window starts at the first hit. Returns the count in the window.
    async fn increment(&self, key: &str, window: Duration) -> anyhow::Result<u64>;
    /// Takes one back from `key` within its current window (nothing when it has none).
    async fn decrement(&self, key: &str) -> anyhow::Result<()>;
    /// The count in the current window (0 when none).
    async fn get(&self, key: &str) -> anyhow::Result<u64>;
    async fn reset(&self, key: &str) -> anyhow::Result<()>;
}

/// Picks the backend the settings ask for.
pub async fn connect(redis_url: Option<&str>) -> anyhow::Result<Arc<dyn Counters>> {
    Ok(match redis_url {
        Some(url) => Arc::new(Resilient::new(Arc::new(
            RedisCounters::connect(url, "micromall").await?,
        ))),
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

    async fn decrement(&self, key: &str) -> anyhow::Result<()> {
        let now = Instant::now();
        self.entries
            .entry(key.to_owned())
            .and_compute_with(|current| {
                let op = match current.map(|e| e.into_value()) {
                    Some((count, expires)) if expires > now && count > 0 => {
                        moka::ops::compute::Op::Put((count - 1, expires))
                    }
                    _ => moka::ops::compute::Op::Nop,
                };
                std::future::ready(op)
            })
            .await;
        Ok(())
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

impl MemoryCounters {
    /// Records a count seen elsewhere, keeping the window already running here, if any.
    async fn remember(&self, key: &str, count: u64, window: Duration) {
        let now = Instant::now();
        self.entries
            .entry(key.to_owned())
            .and_compute_with(|current| {
                let expires = match current.map(|e| e.into_value()) {
                    Some((_, expires)) if expires > now && count > 1 => expires,
                    _ => now + window,
                };
                std::future::ready(moka::ops::compute::Op::Put((count, expires)))
            })
            .await;
    }
}

/// How long a failed Redis is left alone before it is asked again.
const RETRY_REDIS_AFTER: Duration = Duration::from_secs(5);

/// Shared counters with an in-process stand-in: every answer from the shared store is
/// mirrored here, and while the shared store fails the mirror counts on.
pub struct Resilient {
    shared: Arc<dyn Counters>,
    local: MemoryCounters,
    down_until: Mutex<Option<Instant>>,
}

impl Resilient {
    pub fn new(shared: Arc<dyn Counters>) -> Self {
        Self {
            shared,
            local: MemoryCounters::default(),
            down_until: Mutex::new(None),
        }
    }

    fn shared_is_down(&self) -> bool {
        let down_until = self.down_until.lock().unwrap_or_else(|e| e.into_inner());
        down_until.is_some_and(|until| Instant::now() < until)
    }

    /// The shared store's answer, or `None` (and the store left alone for a while) on failure.
    fn settle<T>(&self, result: anyhow::Result<T>) -> Option<T> {
        let mut down_until = self.down_until.lock().unwrap_or_else(|e| e.into_inner());
        match result {
            Ok(value) => {
                if down_until.take().is_some() {
                    tracing::info!("counters: the shared store answers again");
                }
                Some(value)
            }
            Err(err) => {
                if down_until.is_none() {
                    tracing::warn!(error = %err, "counters: the shared store failed; counting in process");
                }
                *down_until = Some(Instant::now() + RETRY_REDIS_AFTER);
                None
            }
        }
    }
}

#[async_trait]
impl Counters for Resilient {
    async fn increment(&self, key: &str, window: Duration) -> anyhow::Result<u64> {
        if !self.shared_is_down()
            && let Some(count) = self.settle(self.shared.increment(key, window).await)
        {
            self.local.remember(key, count, window).await;
            return Ok(count);
        }
        self.local.increment(key, window).await
    }

    async fn decrement(&self, key: &str) -> anyhow::Result<()> {
        if !self.shared_is_down() {
            self.settle(self.shared.decrement(key).await);
        }
        self.local.decrement(key).await
    }

    async fn get(&self, key: &str) -> anyhow::Result<u64> {
        if !self.shared_is_down()
            && let Some(count) = self.settle(self.shared.get(key).await)
        {
            return Ok(count);
        }
        self.local.get(key).await
    }

    async fn reset(&self, key: &str) -> anyhow::Result<()> {
        if !self.shared_is_down() {
            self.settle(self.shared.reset(key).await);
        }
        self.local.reset(key).await
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

/// DECR only a live key: a missing one would come back as -1 with no expiry.
const DECREMENT: &str = r"
if redis.call('EXISTS', KEYS[1]) == 1 and tonumber(redis.call('GET', KEYS[1])) > 0 then
  return redis.call('DECR', KEYS[1])
end
return 0";

impl RedisCounters {
    pub async fn connect(url: &str, prefix: &str) -> anyhow::Result<Self> {
        let client = redis::Client::open(url)
            .map_err(|_| anyhow::anyhow!("invalid REDIS_URL {}", crate::db::redact(url)))?;
        let config = redis::aio::ConnectionManagerConfig::new()
            .set_connection_timeout(Some(Duration::from_secs(2)))
            .set_response_timeout(Some(Duration::from_secs(1)));
        let conn = redis::aio::ConnectionManager::new_with_config(client, config)
            .await
            .with_context(|| format!("cannot connect to Redis at {}", crate::db::redact(url)))?;
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

    async fn decrement(&self, key: &str) -> anyhow::Result<()> {
        let mut conn = self.conn.clone();
        let _: i64 = redis::Script::new(DECREMENT)
            .key(self.key(key))
            .invoke_async(&mut conn)
            .await?;
        Ok(())
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
        counters.decrement(key).await.unwrap();
        assert_eq!(counters.get(key).await.unwrap(), 2);
        counters.decrement("never-counted").await.unwrap();
        assert_eq!(counters.get("never-counted").await.unwrap(), 0);
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
    #[cfg_attr(
        not(redis_tests),
        ignore = "MICROMALL_TEST_REDIS_URL is unset: this test needs a Redis server"
    )]
    async fn redis_counters_count_within_a_window() {
        let url = std::env::var("MICROMALL_TEST_REDIS_URL").expect("MICROMALL_TEST_REDIS_URL");
        let counters = RedisCounters::connect(&url, &format!("test-{}", uuid::Uuid::now_v7()))
            .await
            .expect("MICROMALL_TEST_REDIS_URL is set but Redis is unreachable");
        exercise(&counters, "k").await;
    }

    /// Redis dies under a running count: the count goes on in process from where Redis
    /// left it, and Redis is used again once it is back.
    #[tokio::test]
    #[cfg_attr(
        not(redis_tests),
        ignore = "MICROMALL_TEST_REDIS_URL is unset: this test needs a Redis server"
    )]
    async fn counting_survives_a_redis_outage() {
        let mut redis = crate::testing::DisposableRedis::start().await;
        let shared = RedisCounters::connect(&redis.url, "outage").await.unwrap();
        let counters = Resilient::new(Arc::new(shared));
        let window = Duration::from_secs(60);
        for expected in 1..=3 {
            assert_eq!(counters.increment("k", window).await.unwrap(), expected);
        }
        redis.stop();
        assert_eq!(counters.increment("k", window).await.unwrap(), 4);
        assert_eq!(counters.get("k").await.unwrap(), 4);
        counters.decrement("k").await.unwrap();
        assert_eq!(counters.increment("k", window).await.unwrap(), 4);
        exercise(&counters, "fresh").await;
    }
}
