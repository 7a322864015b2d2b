//! Brute-force protection for `login`.
//!
//! Failures are counted per account (keyed by a hash of the normalised email, whether or not
//! an account exists, so the limiter tells an attacker nothing) and per client address. Past
//! a threshold each attempt waits longer; past a higher one attempts are refused with
//! `RATE_LIMITED` until the window ends. If the counter store is down, sign-in stays open.

use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;

use micromall_kit::ApiError;
use micromall_kit::config::LoginSettings;
use micromall_kit::counters::Counters;
use micromall_kit::error::ErrorCode;

use crate::tokens::sha256_hex;

#[derive(Clone)]
pub struct LoginThrottle {
    counters: Arc<dyn Counters>,
    policy: LoginSettings,
}

impl LoginThrottle {
    pub fn new(counters: Arc<dyn Counters>, policy: LoginSettings) -> Self {
        Self { counters, policy }
    }

    /// Refuses a locked-out attempt, or holds it for the current slow-down.
    pub async fn admit(
        &self,
        email_normalized: &str,
        addr: Option<IpAddr>,
    ) -> Result<(), ApiError> {
        let account = self.count(&account_key(email_normalized)).await;
        let address = match addr {
            Some(ip) => self.count(&address_key(ip)).await,
            None => 0,
        };
        let p = &self.policy;
        if account >= p.account_lock_after || address >= p.address_lock_after {
            return Err(ApiError::new(
                ErrorCode::RateLimited,
                "too many failed sign-in attempts; try again later",
            ));
        }
        let delay = self
            .delay(account, p.account_slow_after)
            .max(self.delay(address, p.address_slow_after));
        if !delay.is_zero() {
            tokio::time::sleep(delay).await;
        }
        Ok(())
    }

    pub async fn record_failure(&self, email_normalized: &str, addr: Option<IpAddr>) {
        self.bump(&account_key(email_normalized)).await;
        if let Some(ip) = addr {
            self.bump(&address_key(ip)).await;
        }
    }

    /// A successful sign-in clears the account's failures (not the address's).
    pub async fn record_success(&self, email_normalized: &str) {
        if let Err(err) = self.counters.reset(&account_key(email_normalized)).await {
            tracing::warn!(error = ?err, "login throttle: reset failed");
        }
    }

    fn delay(&self, failures: u64, slow_after: u64) -> Duration {
        if failures < slow_after {
            return Duration::ZERO;
        }
        let doublings = (failures - slow_after).min(16) as u32;
        self.policy
            .base_delay
            .saturating_mul(2u32.saturating_pow(doublings))
            .min(self.policy.max_delay)
    }

    async fn count(&self, key: &str) -> u64 {
        self.counters.get(key).await.unwrap_or_else(|err| {
            tracing::warn!(error = ?err, "login throttle: counter store unavailable");
            0
        })
    }

    async fn bump(&self, key: &str) {
        if let Err(err) = self.counters.increment(key, self.policy.window).await {
            tracing::warn!(error = ?err, "login throttle: counter store unavailable");
        }
    }
}

fn account_key(email_normalized: &str) -> String {
    format!("login:account:{}", sha256_hex(email_normalized))
}

fn address_key(ip: IpAddr) -> String {
    format!("login:address:{ip}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use micromall_kit::counters::MemoryCounters;

    fn throttle() -> LoginThrottle {
        LoginThrottle::new(
            Arc::new(MemoryCounters::default()),
            LoginSettings {
                account_slow_after: 2,
                account_lock_after: 4,
                address_slow_after: 100,
                address_lock_after: 6,
                window: Duration::from_secs(60),
                base_delay: Duration::from_millis(1),
                max_delay: Duration::from_millis(5),
            },
        )
    }

    #[tokio::test]
    async fn an_account_is_locked_after_repeated_failures_and_unlocked_by_success() {
        let t = throttle();
        for _ in 0..4 {
            t.admit("a@x.io", None).await.unwrap();
            t.record_failure("a@x.io", None).await;
        }
        assert!(t.admit("a@x.io", None).await.is_err());
        assert!(
            t.admit("b@x.io", None).await.is_ok(),
            "other accounts unaffected"
        );
        t.record_success("a@x.io").await;
        assert!(t.admit("a@x.io", None).await.is_ok());
    }

    #[tokio::test]
    async fn an_address_spraying_many_accounts_is_locked() {
        let t = throttle();
        let ip: IpAddr = "203.0.113.7".parse().unwrap();
        for n in 0..6 {
            t.record_failure(&format!("user{n}@x.io"), Some(ip)).await;
        }
        assert!(t.admit("fresh@x.io", Some(ip)).await.is_err());
        assert!(
            t.admit("fresh@x.io", Some("203.0.113.8".parse().unwrap()))
                .await
                .is_ok()
        );
    }

    #[test]
    fn delays_grow_and_are_capped() {
        let t = throttle();
        assert_eq!(t.delay(1, 2), Duration::ZERO);
        assert_eq!(t.delay(2, 2), Duration::from_millis(1));
        assert_eq!(t.delay(3, 2), Duration::from_millis(2));
        assert_eq!(t.delay(50, 2), Duration::from_millis(5));
    }
}
