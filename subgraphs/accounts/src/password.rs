//! Argon2id password hashing off the async runtime, with bounded parallelism and a bounded
//! queue.
//!
//! Each hash takes ~19 MiB and tens of milliseconds of CPU: a thousand logins at once must
//! not allocate 19 GiB and starve the runtime, so hashes run in a few slots. Nor may they
//! queue without end: a flood would make every sign-in behind it wait for minutes. A few
//! may wait for a slot; beyond them a request is refused at once (`RATE_LIMITED`).

use std::sync::Arc;

use anyhow::Context as _;
use argon2::Argon2;
use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher as _, PasswordVerifier as _};
use micromall_kit::ApiError;
use micromall_kit::config::AccountsSettings;
use micromall_kit::error::ErrorCode;
use tokio::sync::Semaphore;

/// Why a password could not be hashed or checked.
#[derive(Debug, thiserror::Error)]
pub enum HashingError {
    /// Every slot is taken and the queue is full.
    #[error("every password hashing slot is busy")]
    Busy,
    #[error(transparent)]
    Failed(#[from] anyhow::Error),
}

impl From<HashingError> for ApiError {
    fn from(err: HashingError) -> Self {
        match err {
            HashingError::Busy => ApiError::new(
                ErrorCode::RateLimited,
                "the server is busy signing others in; try again in a moment",
            ),
            HashingError::Failed(err) => ApiError::internal(err),
        }
    }
}

#[derive(Clone)]
pub struct Passwords {
    slots: Arc<Semaphore>,
    /// Tickets for running or waiting: slots plus the queue. No ticket, no wait.
    tickets: Arc<Semaphore>,
    /// A real hash of a random password: unknown emails are checked against it so that they
    /// take as long as wrong passwords.
    decoy: Arc<String>,
}

impl Passwords {
    pub fn new(limits: &AccountsSettings) -> anyhow::Result<Self> {
        let slots = match limits.hashing_slots {
            0 => std::thread::available_parallelism().map_or(2, |n| n.get()),
            n => n,
        };
        let random: [u8; 16] = rand::random();
        let decoy = hash_blocking(&hex_string(&random))?;
        Ok(Self {
            slots: Arc::new(Semaphore::new(slots)),
            tickets: Arc::new(Semaphore::new(slots.saturating_add(limits.hashing_queue))),
            decoy: Arc::new(decoy),
        })
    }

    pub async fn hash(&self, password: &str) -> Result<String, HashingError> {
        let password = password.to_owned();
        Ok(self.run(move || hash_blocking(&password)).await??)
    }

    /// Checks `password` against `stored`, or against the decoy when there is no account.
    pub async fn verify(&self, password: &str, stored: Option<&str>) -> Result<bool, HashingError> {
        let password = password.to_owned();
        let exists = stored.is_some();
        let stored = stored.map_or_else(|| self.decoy.as_str().to_owned(), str::to_owned);
        let matches = self
            .run(move || -> anyhow::Result<bool> {
                let parsed =
                    PasswordHash::new(&stored).context("stored password hash is malformed")?;
                Ok(Argon2::default()
                    .verify_password(password.as_bytes(), &parsed)
                    .is_ok())
            })
            .await??;
        Ok(exists && matches)
    }

    async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, HashingError> {
        let _ticket = self.tickets.try_acquire().map_err(|_| HashingError::Busy)?;
        let _slot = self
            .slots
            .acquire()
            .await
            .context("password hasher closed")?;
        Ok(tokio::task::spawn_blocking(work)
            .await
            .context("password hashing task failed")?)
    }
}

fn hash_blocking(password: &str) -> anyhow::Result<String> {
    Argon2::default()
        .hash_password(password.as_bytes())
        .map(|h| h.to_string())
        .map_err(|e| anyhow::anyhow!("password hashing failed: {e}"))
}

fn hex_string(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn hashes_verify_and_are_argon2id() {
        let passwords = Passwords::new(&AccountsSettings::default()).unwrap();
        let hash = passwords.hash("correct horse battery").await.unwrap();
        assert!(hash.starts_with("$argon2id$"));
        assert!(
            passwords
                .verify("correct horse battery", Some(&hash))
                .await
                .unwrap()
        );
        assert!(
            !passwords
                .verify("wrong horse battery", Some(&hash))
                .await
                .unwrap()
        );
        assert!(
            !passwords
                .verify("correct horse battery", None)
                .await
                .unwrap()
        );
    }

    /// One slot and one place in the queue: of ten hashes asked for at once, two are taken
    /// (one running, one waiting) and eight refused on the spot, not queued.
    #[tokio::test]
    async fn a_full_queue_refuses_at_once() {
        let passwords = Passwords::new(&AccountsSettings {
            hashing_slots: 1,
            hashing_queue: 1,
            ..AccountsSettings::default()
        })
        .unwrap();
        let started = std::time::Instant::now();
        let results =
            futures::future::join_all((0..10).map(|_| passwords.hash("correct horse battery")))
                .await;
        let busy = results
            .iter()
            .filter(|r| matches!(r, Err(HashingError::Busy)))
            .count();
        let hashed = results.iter().filter(|r| r.is_ok()).count();
        assert_eq!((hashed, busy), (2, 8));
        assert!(started.elapsed() < std::time::Duration::from_secs(5));
        // The queue drained: the next one is served.
        assert!(passwords.hash("correct horse battery").await.is_ok());
    }
}
