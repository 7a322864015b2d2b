//! Signatures of third parties' webhooks (the payment and carrier sandboxes, and adapters
//! for providers that sign the same way): `Micromall-Signature: t=<unix seconds>,v1=<hex>`,
//! where `v1` is HMAC-SHA256 with the shared secret over `<t>.<raw body>`. Signing the
//! timestamp with the body is what makes the age check meaningful: an old callback cannot be
//! re-dated.

use chrono::{DateTime, Utc};
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};

/// Why a webhook's signature was not accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    #[error("missing or malformed signature")]
    BadSignature,
    #[error("signature timestamp outside the tolerance")]
    Stale,
}

pub const HEADER: &str = "micromall-signature";
/// Callbacks older (or further in the future) than this are refused.
pub const TOLERANCE_SECS: i64 = 5 * 60;
const MAX_HEADER_LEN: usize = 1024;

fn mac(secret: &[u8], timestamp: i64, body: &[u8]) -> Hmac<Sha256> {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret).expect("HMAC takes keys of any size");
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    mac
}

/// The header value for `body` signed at `timestamp`.
pub fn sign(secret: &[u8], timestamp: i64, body: &[u8]) -> String {
    let tag = mac(secret, timestamp, body).finalize().into_bytes();
    format!("t={timestamp},v1={}", hex::encode(tag))
}

/// Accepts the header if one of its `v1` signatures matches and its time is within the
/// tolerance. Comparison is constant-time.
pub fn verify(
    secret: &[u8],
    header: Option<&str>,
    body: &[u8],
    now: DateTime<Utc>,
) -> Result<(), SignatureError> {
    let header = header
        .filter(|h| h.len() <= MAX_HEADER_LEN)
        .ok_or(SignatureError::BadSignature)?;
    let mut timestamp = None;
    let mut signatures = Vec::new();
    for part in header.split(',') {
        match part.trim().split_once('=') {
            Some(("t", t)) => timestamp = t.parse::<i64>().ok(),
            Some(("v1", sig)) => {
                if let Ok(bytes) = hex::decode(sig) {
                    signatures.push(bytes);
                }
            }
            _ => {}
        }
    }
    let timestamp = timestamp.ok_or(SignatureError::BadSignature)?;
    let genuine = signatures
        .iter()
        .any(|sig| mac(secret, timestamp, body).verify_slice(sig).is_ok());
    if !genuine {
        return Err(SignatureError::BadSignature);
    }
    if (now.timestamp() - timestamp).abs() > TOLERANCE_SECS {
        return Err(SignatureError::Stale);
    }
    Ok(())
}

/// A sandbox third party's check of the API key a merchant sends (`Authorization: Bearer`):
/// the key is the shared secret, compared by digest so the time taken does not depend on it.
pub struct ApiKey([u8; 32]);

impl ApiKey {
    pub fn new(secret: &[u8]) -> Self {
        Self(Sha256::digest(secret).into())
    }

    pub fn admits(&self, headers: &axum::http::HeaderMap) -> bool {
        let key = headers
            .get(axum::http::header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .unwrap_or_default();
        <[u8; 32]>::from(Sha256::digest(key.as_bytes())) == self.0
    }
}

/// How a sandbox third party delivers one webhook: signed at each attempt (so the age check
/// passes on a retry), retried with growing pauses until the receiver answers 2xx or
/// `attempts` run out; `first_delay` is waited before the first attempt. Returns whether it
/// was accepted; stops early on `shutdown`.
pub async fn deliver(
    http: &reqwest::Client,
    url: &str,
    secret: &[u8],
    body: &[u8],
    first_delay: std::time::Duration,
    attempts: u32,
    shutdown: &tokio_util::sync::CancellationToken,
) -> bool {
    let mut delay = first_delay;
    for attempt in 0..attempts {
        tokio::select! {
            _ = shutdown.cancelled() => return false,
            _ = tokio::time::sleep(delay) => {}
        }
        let signed = sign(secret, Utc::now().timestamp(), body);
        let sent = http
            .post(url)
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .header(HEADER, signed)
            .body(body.to_vec())
            .send()
            .await;
        match sent {
            Ok(r) if r.status().is_success() => return true,
            Ok(r) => {
                tracing::info!(%url, status = %r.status(), attempt, "webhook not accepted; retrying")
            }
            Err(err) => {
                tracing::info!(%url, error = %err, attempt, "webhook not delivered; retrying")
            }
        }
        delay = std::time::Duration::from_millis(250 * 2u64.pow(attempt));
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &[u8] = b"whsec_test";

    #[test]
    fn a_fresh_signature_verifies() {
        let now = Utc::now();
        let header = sign(SECRET, now.timestamp(), b"{\"a\":1}");
        assert_eq!(verify(SECRET, Some(&header), b"{\"a\":1}", now), Ok(()));
    }

    #[test]
    fn forged_tampered_and_stale_callbacks_are_refused() {
        let now = Utc::now();
        let t = now.timestamp();
        let header = sign(SECRET, t, b"body");
        assert_eq!(
            verify(b"other secret", Some(&header), b"body", now),
            Err(SignatureError::BadSignature)
        );
        assert_eq!(
            verify(SECRET, Some(&header), b"body!", now),
            Err(SignatureError::BadSignature)
        );
        // Re-dating a genuine signature breaks it.
        let redated = header.replace(&format!("t={t}"), &format!("t={}", t + 1));
        assert_eq!(
            verify(SECRET, Some(&redated), b"body", now),
            Err(SignatureError::BadSignature)
        );
        let old = sign(SECRET, t - TOLERANCE_SECS - 1, b"body");
        assert_eq!(
            verify(SECRET, Some(&old), b"body", now),
            Err(SignatureError::Stale)
        );
        assert_eq!(
            verify(SECRET, None, b"body", now),
            Err(SignatureError::BadSignature)
        );
        assert_eq!(
            verify(SECRET, Some("t=abc,v1=zz"), b"body", now),
            Err(SignatureError::BadSignature)
        );
        assert_eq!(
            verify(SECRET, Some(&"v1=00,".repeat(1000)), b"body", now),
            Err(SignatureError::BadSignature)
        );
    }
}
