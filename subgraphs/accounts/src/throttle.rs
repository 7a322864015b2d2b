//! Brute-force and flood protection for `login` and `register`.
//!
//! Sign-in failures are counted per account (keyed by a hash of the normalised email, whether
//! or not an account exists, so the limiter tells an attacker nothing) and per client
//! address. An attempt takes its slot in both counts *before* the password is checked, in
//! one atomic step per count: twelve guesses sent at once see twelve different counts, so
//! no more of them get through than the limit allows. A failure keeps its slot; a success
//! gives it back (and clears the account's failures). Past a threshold each attempt waits
//! longer; past a higher one attempts are refused with `RATE_LIMITED` until the window ends.
//!
//! Registrations are counted per client address: each costs an Argon2 hash.
//!
//! The counters never fail open: a shared store that is down is stood in for in process
//! (`micromall_kit::counters`), and any error left refuses rather than admits.

use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;

use micromall_kit::ApiError;
use micromall_kit::config::{AccountsSettings, LoginSettings};
use micromall_kit::counters::Counters;
use micromall_kit::error::ErrorCode;

use crate::tokens::sha256_hex;

#[derive(Clone)]
pub struct LoginThrottle {
    counters: Arc<dyn Counters>,
    policy: LoginSettings,
}

/// The slots one sign-in attempt holds until its outcome is known.
#[must_use = "an attempt ends as a success, a failure or abandoned"]
pub struct Attempt {
    account: String,
    address: Option<String>,
}

impl LoginThrottle {
    pub fn new(counters: Arc<dyn Counters>, policy: LoginSettings) -> Self {
        Self { counters, policy }
    }

    /// Takes the attempt's slots, then refuses it when past a lock or holds it for the
    /// current slow-down.
    pub async fn admit(
        &self,
        email_normalized: &str,
        addr: Option<IpAddr>,
    ) -> Result<Attempt, ApiError> {
        let p = &self.policy;
        let attempt = Attempt {
            account: account_key(email_normalized),
            address: addr.map(address_key),
        };
        let account = self.counters.increment(&attempt.account, p.window).await?;
        let address = match &attempt.address {
            Some(key) => self.counters.increment(key, p.window).await?,
            None => 0,
        };
        if account > p.account_lock_after || address > p.address_lock_after {
            // A refused attempt checks nothing: it leaves the counts as they were.
            self.abandoned(attempt).await;
            return Err(ApiError::new(
                ErrorCode::RateLimited,
                "too many failed sign-in attempts; try again later",
            ));
        }
        // The slow-down depends on the failures before this attempt.
        let delay = self
            .delay(account - 1, p.account_slow_after)
            .max(self.delay(address.saturating_sub(1), p.address_slow_after));
        if !delay.is_zero() {
            tokio::time::sleep(delay).await;
        }
        Ok(attempt)
    }

    /// The password was wrong: the slots stay taken, as failures.
    pub fn failed(&self, _attempt: Attempt) {}

    /// The password matched: the account's failures are forgiven and the address gets its
    /// slot back (an office behind one address signs in all day).
    pub async fn succeeded(&self, attempt: Attempt) {
        if let Err(err) = self.counters.reset(&attempt.account).await {
            tracing::warn!(error = %err, "login throttle: reset failed");
        }
        if let Some(address) = &attempt.address {
            self.give_back(address).await;
        }
    }

    /// The attempt reached no verdict (refused, or the hasher was busy): both slots go back.
    pub async fn abandoned(&self, attempt: Attempt) {
        self.give_back(&attempt.account).await;
        if let Some(address) = &attempt.address {
            self.give_back(address).await;
        }
    }

    async fn give_back(&self, key: &str) {
        // Failing here only keeps a slot taken: the safe direction.
        if let Err(err) = self.counters.decrement(key).await {
            tracing::warn!(error = %err, "login throttle: giving a slot back failed");
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
}

/// Registrations per client address in a window.
#[derive(Clone)]
pub struct RegistrationThrottle {
    counters: Arc<dyn Counters>,
    per_address: u64,
    window: Duration,
}

impl RegistrationThrottle {
    pub fn new(counters: Arc<dyn Counters>, limits: &AccountsSettings) -> Self {
        Self {
            counters,
            per_address: limits.register_per_address,
            window: limits.register_window,
        }
    }

    /// Counts a registration from `addr`, refusing it past the limit.
    pub async fn admit(&self, addr: Option<IpAddr>) -> Result<(), ApiError> {
        let Some(ip) = addr else {
            return Ok(());
        };
        let key = format!("register:address:{ip}");
        if self.counters.increment(&key, self.window).await? > self.per_address {
            return Err(ApiError::new(
                ErrorCode::RateLimited,
                "too many registrations from this address; try again later",
            ));
        }
        Ok(())
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
        for _ in 0..3 {
            let attempt = t.admit("a@x.io", None).await.unwrap();
            t.failed(attempt);
        }
        // The owner signs in: the three failures are forgiven, four more are allowed.
        let attempt = t.admit("a@x.io", None).await.unwrap();
        t.succeeded(attempt).await;
        for _ in 0..4 {
            let attempt = t.admit("a@x.io", None).await.unwrap();
            t.failed(attempt);
        }
        assert!(t.admit("a@x.io", None).await.is_err());
        assert!(
            t.admit("b@x.io", None).await.is_ok(),
            "other accounts unaffected"
        );
    }

    #[tokio::test]
    async fn an_address_spraying_many_accounts_is_locked() {
        let t = throttle();
        let ip: IpAddr = "203.0.113.7".parse().unwrap();
        for n in 0..6 {
            let attempt = t.admit(&format!("user{n}@x.io"), Some(ip)).await.unwrap();
            t.failed(attempt);
        }
        assert!(t.admit("fresh@x.io", Some(ip)).await.is_err());
        assert!(
            t.admit("fresh@x.io", Some("203.0.113.8".parse().unwrap()))
                .await
                .is_ok()
        );
    }

    #[tokio::test]
    async fn successes_and_refusals_leave_no_mark_on_the_address() {
        let t = throttle();
        let ip: IpAddr = "203.0.113.9".parse().unwrap();
        for n in 0..20 {
            let attempt = t.admit(&format!("office{n}@x.io"), Some(ip)).await.unwrap();
            t.succeeded(attempt).await;
        }
        assert_eq!(t.counters.get(&address_key(ip)).await.unwrap(), 0);
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
