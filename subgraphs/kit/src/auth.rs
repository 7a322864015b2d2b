//! Who is calling: JWT access tokens (issued by accounts, verified everywhere), service
//! credentials for internal calls, and the `Viewer` every resolver reads.
//!
//! Access tokens are signed with Ed25519 (`EdDSA`): only accounts holds the private key, so a
//! compromised subgraph can verify tokens but not mint them. Verification pins the algorithm,
//! issuer and audience, which refuses `alg: none` and HMAC-confusion tokens outright.

use std::collections::BTreeSet;
use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context as _, bail};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::config::{PORT_TABLE, Settings};
use crate::error::ApiError;

/// Every permission (scope) Micromall knows; the built-in `admin` role holds all of them.
pub const PERMISSIONS: [&str; 9] = [
    "users:manage",
    "catalog:write",
    "inventory:write",
    "orders:manage",
    "payments:refund",
    "fulfillment:write",
    "marketing:write",
    "reviews:moderate",
    "insights:read",
];

/// A service credential is made for one call: it lives long enough to cross the network.
const SERVICE_TOKEN_TTL: Duration = Duration::from_secs(30);
/// Replicas' clocks may drift; service credentials tolerate less than access tokens do.
const SERVICE_CLOCK_LEEWAY_SECS: u64 = 5;
/// The shared service secret is an HMAC-SHA256 key: shorter ones can be guessed offline
/// from a single captured credential.
pub const MIN_SERVICE_SECRET_BYTES: usize = 32;
/// Leeway for clocks that drift between replicas.
const CLOCK_LEEWAY_SECS: u64 = 30;
/// Tokens longer than this are refused before any parsing.
pub const MAX_TOKEN_LEN: usize = 4096;

/// The claims of an access token.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AccessClaims {
    pub sub: String,
    /// Space-separated permissions.
    pub scope: String,
    pub exp: i64,
    pub iat: i64,
    pub jti: String,
    pub iss: String,
    pub aud: String,
}

/// The caller of a request, as established by its credentials.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Viewer {
    pub user_id: Option<Uuid>,
    pub scopes: BTreeSet<String>,
}

impl Viewer {
    pub fn anonymous() -> Self {
        Self::default()
    }

    pub fn user(user_id: Uuid, scopes: impl IntoIterator<Item = String>) -> Self {
        Self {
            user_id: Some(user_id),
            scopes: scopes.into_iter().collect(),
        }
    }

    /// The signed-in user, or `UNAUTHENTICATED`.
    pub fn require_user(&self) -> Result<Uuid, ApiError> {
        self.user_id.ok_or_else(ApiError::unauthenticated)
    }

    pub fn has_scope(&self, scope: &str) -> bool {
        self.scopes.contains(scope)
    }

    /// `UNAUTHENTICATED` for anonymous callers, `FORBIDDEN` for users without the scope.
    pub fn require_scope(&self, scope: &str) -> Result<Uuid, ApiError> {
        let user = self.require_user()?;
        if self.has_scope(scope) {
            Ok(user)
        } else {
            Err(ApiError::forbidden())
        }
    }

    /// Whether the viewer is `owner` or holds `scope`.
    pub fn is_self_or(&self, owner: Uuid, scope: &str) -> bool {
        self.user_id == Some(owner) || self.has_scope(scope)
    }
}

/// The client's network address, used for per-address limits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientAddr(pub Option<IpAddr>);

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum TokenError {
    #[error("access token is expired")]
    Expired,
    #[error("access token is invalid")]
    Invalid,
}

/// Verifies access tokens; every subgraph and the router hold one.
#[derive(Clone)]
pub struct TokenVerifier {
    key: DecodingKey,
    validation: Validation,
}

impl TokenVerifier {
    pub fn from_public_pem(pem: &[u8], issuer: &str, audience: &str) -> anyhow::Result<Self> {
        let key = DecodingKey::from_ed_pem(pem).context("invalid Ed25519 public key")?;
        let mut validation = Validation::new(Algorithm::EdDSA);
        validation.set_issuer(&[issuer]);
        validation.set_audience(&[audience]);
        validation.set_required_spec_claims(&["exp", "iat", "sub", "iss", "aud"]);
        validation.leeway = CLOCK_LEEWAY_SECS;
        Ok(Self { key, validation })
    }

    pub fn verify(&self, token: &str) -> Result<AccessClaims, TokenError> {
        if token.len() > MAX_TOKEN_LEN {
            return Err(TokenError::Invalid);
        }
        match jsonwebtoken::decode::<AccessClaims>(token, &self.key, &self.validation) {
            Ok(data) => Ok(data.claims),
            Err(e) if matches!(e.kind(), jsonwebtoken::errors::ErrorKind::ExpiredSignature) => {
                Err(TokenError::Expired)
            }
            Err(_) => Err(TokenError::Invalid),
        }
    }

    /// The viewer an access token stands for.
    pub fn viewer(&self, token: &str) -> Result<Viewer, TokenError> {
        let claims = self.verify(token)?;
        let user_id = Uuid::parse_str(&claims.sub).map_err(|_| TokenError::Invalid)?;
        Ok(Viewer::user(
            user_id,
            claims.scope.split_whitespace().map(str::to_owned),
        ))
    }
}

/// Signs access tokens; only accounts holds one.
#[derive(Clone)]
pub struct TokenIssuer {
    key: EncodingKey,
    issuer: String,
    audience: String,
    ttl: Duration,
}

/// A freshly signed access token.
#[derive(Debug, Clone)]
pub struct IssuedToken {
    pub token: String,
    pub expires_at: chrono::DateTime<chrono::Utc>,
}

impl TokenIssuer {
    pub fn from_private_pem(
        pem: &[u8],
        issuer: &str,
        audience: &str,
        ttl: Duration,
    ) -> anyhow::Result<Self> {
        let key = EncodingKey::from_ed_pem(pem).context("invalid Ed25519 private key")?;
        Ok(Self {
            key,
            issuer: issuer.to_owned(),
            audience: audience.to_owned(),
            ttl,
        })
    }

    pub fn issue(&self, user_id: Uuid, scopes: &BTreeSet<String>) -> anyhow::Result<IssuedToken> {
        let now = chrono::Utc::now();
        let expires_at = now + chrono::Duration::from_std(self.ttl)?;
        let claims = AccessClaims {
            sub: user_id.to_string(),
            scope: scopes.iter().cloned().collect::<Vec<_>>().join(" "),
            exp: expires_at.timestamp(),
            iat: now.timestamp(),
            jti: Uuid::now_v7().to_string(),
            iss: self.issuer.clone(),
            aud: self.audience.clone(),
        };
        let token = jsonwebtoken::encode(&Header::new(Algorithm::EdDSA), &claims, &self.key)?;
        Ok(IssuedToken { token, expires_at })
    }
}

/// Credentials one Micromall service presents to another on `/internal/*` (never
/// reachable through the router, never honoured on `/graphql`).
///
/// A credential names its caller (`sub`, one of the known services) and the one service it
/// is for (`aud`), and lives for seconds: captured on its way to inventory, it opens neither
/// cart nor orders, and not for long.
#[derive(Clone)]
pub struct ServiceCredentials {
    encoding: EncodingKey,
    decoding: DecodingKey,
}

#[derive(Debug, Serialize, Deserialize)]
struct ServiceClaims {
    sub: String,
    aud: String,
    exp: i64,
    iat: i64,
}

/// Why a service secret cannot be used.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error(
    "MICROMALL_SERVICE_SECRET is {len} bytes; it must be at least {MIN_SERVICE_SECRET_BYTES} \
     (e.g. `openssl rand -hex 32`)"
)]
pub struct WeakServiceSecret {
    len: usize,
}

/// The services that hold service credentials: the subgraphs of the port table.
pub fn is_known_service(name: &str) -> bool {
    PORT_TABLE.contains(&name)
}

fn service_audience(service: &str) -> String {
    format!("micromall-internal:{service}")
}

impl ServiceCredentials {
    pub fn new(secret: &[u8]) -> Result<Self, WeakServiceSecret> {
        if secret.len() < MIN_SERVICE_SECRET_BYTES {
            return Err(WeakServiceSecret { len: secret.len() });
        }
        Ok(Self {
            encoding: EncodingKey::from_secret(secret),
            decoding: DecodingKey::from_secret(secret),
        })
    }

    /// A credential for one call from `caller` to `target`.
    pub fn token_for(&self, caller: &str, target: &str) -> anyhow::Result<String> {
        if !is_known_service(caller) {
            bail!("`{caller}` is not a Micromall service");
        }
        let now = chrono::Utc::now().timestamp();
        let claims = ServiceClaims {
            sub: caller.to_owned(),
            aud: service_audience(target),
            exp: now + SERVICE_TOKEN_TTL.as_secs() as i64,
            iat: now,
        };
        Ok(jsonwebtoken::encode(
            &Header::new(Algorithm::HS256),
            &claims,
            &self.encoding,
        )?)
    }

    /// The calling service's name, if the token is genuine, current, meant for `me` and
    /// names a known service.
    pub fn verify(&self, token: &str, me: &str) -> Option<String> {
        if token.len() > MAX_TOKEN_LEN {
            return None;
        }
        let mut validation = Validation::new(Algorithm::HS256);
        validation.set_audience(&[service_audience(me)]);
        validation.set_required_spec_claims(&["exp", "sub", "aud"]);
        validation.leeway = SERVICE_CLOCK_LEEWAY_SECS;
        let claims = jsonwebtoken::decode::<ServiceClaims>(token, &self.decoding, &validation)
            .ok()?
            .claims;
        let now = chrono::Utc::now().timestamp();
        let leeway = SERVICE_CLOCK_LEEWAY_SECS as i64;
        // Whoever holds the secret could mint a credential for a day: only short ones count.
        let short_lived = claims.exp - claims.iat <= SERVICE_TOKEN_TTL.as_secs() as i64
            && claims.iat <= now + leeway;
        (short_lived && is_known_service(&claims.sub)).then_some(claims.sub)
    }
}

/// The key material a process needs, loaded from configured files or, in the embedded mode,
/// generated once under `<data_dir>/secrets/`.
pub struct Keys {
    /// PEM of the Ed25519 private key, when this process may sign (accounts).
    pub private_pem: Option<Vec<u8>>,
    pub public_pem: Vec<u8>,
    pub service_secret: Vec<u8>,
    service_credentials: ServiceCredentials,
}

impl Keys {
    /// Loads keys for a process; `signer` asks for the private key too.
    pub fn load(settings: &Settings, signer: bool) -> anyhow::Result<Self> {
        let secrets = settings.data_dir.join("secrets");
        let configured_private = settings.jwt.private_key_file.clone();
        let configured_public = settings.jwt.public_key_file.clone();
        let (private_pem, public_pem) = match (configured_private, configured_public) {
            (Some(private), public) => {
                let private_pem = read_secret(&private)?;
                let public_pem = match public {
                    Some(p) => read_secret(&p)?,
                    None => public_pem_from_private(&private_pem)?,
                };
                (Some(private_pem), public_pem)
            }
            (None, Some(public)) => {
                if signer {
                    bail!("MICROMALL_JWT_PRIVATE_KEY_FILE is required to issue tokens");
                }
                (None, read_secret(&public)?)
            }
            (None, None) => {
                let path = secrets.join("jwt-ed25519.pem");
                let private_pem = load_or_create(&path, generate_ed25519_pem)?;
                let public_pem = public_pem_from_private(&private_pem)?;
                (Some(private_pem), public_pem)
            }
        };
        let service_secret =
            shared_secret(settings, settings.service_secret.as_deref(), "service.key")?;
        let service_credentials = ServiceCredentials::new(&service_secret)?;
        Ok(Self {
            private_pem: if signer { private_pem } else { None },
            public_pem,
            service_secret,
            service_credentials,
        })
    }

    pub fn verifier(&self, settings: &Settings) -> anyhow::Result<TokenVerifier> {
        TokenVerifier::from_public_pem(
            &self.public_pem,
            &settings.jwt.issuer,
            &settings.jwt.audience,
        )
    }

    pub fn issuer(&self, settings: &Settings) -> anyhow::Result<TokenIssuer> {
        let pem = self
            .private_pem
            .as_deref()
            .context("this process holds no private key")?;
        TokenIssuer::from_private_pem(
            pem,
            &settings.jwt.issuer,
            &settings.jwt.audience,
            settings.jwt.access_ttl,
        )
    }

    pub fn service_credentials(&self) -> ServiceCredentials {
        self.service_credentials.clone()
    }
}

/// A secret shared between processes: the configured value, or in the embedded mode one
/// generated once under `<data_dir>/secrets/<file_name>`.
pub fn shared_secret(
    settings: &Settings,
    configured: Option<&str>,
    file_name: &str,
) -> anyhow::Result<Vec<u8>> {
    match configured {
        Some(secret) => Ok(secret.as_bytes().to_vec()),
        None => load_or_create(&settings.data_dir.join("secrets").join(file_name), || {
            Ok(hex::encode(rand::random::<[u8; 32]>()).into_bytes())
        }),
    }
}

fn read_secret(path: &Path) -> anyhow::Result<Vec<u8>> {
    std::fs::read(path).with_context(|| format!("cannot read key file {}", path.display()))
}

/// Reads a secret file, creating it (readable by the owner only) when missing. Creation is
/// exclusive so two processes starting together agree on one secret.
fn load_or_create(
    path: &PathBuf,
    make: impl FnOnce() -> anyhow::Result<Vec<u8>>,
) -> anyhow::Result<Vec<u8>> {
    use std::io::Write;
    if let Ok(existing) = std::fs::read(path) {
        return Ok(existing);
    }
    if let Some(dir) = path.parent() {
        crate::db::create_private_dir(dir)
            .with_context(|| format!("cannot create {}", dir.display()))?;
    }
    let contents = make()?;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    match options.open(path) {
        Ok(mut file) => {
            file.write_all(&contents)?;
            file.sync_all()?;
            Ok(contents)
        }
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => read_secret(path),
        Err(e) => Err(e).with_context(|| format!("cannot write {}", path.display())),
    }
}

const ED25519_SPKI_PREFIX: [u8; 12] = [
    0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00,
];

fn generate_ed25519_pem() -> anyhow::Result<Vec<u8>> {
    let rng = aws_lc_rs::rand::SystemRandom::new();
    let pkcs8 = aws_lc_rs::signature::Ed25519KeyPair::generate_pkcs8(&rng)
        .map_err(|_| anyhow::anyhow!("cannot generate an Ed25519 key"))?;
    Ok(pem_encode("PRIVATE KEY", pkcs8.as_ref()).into_bytes())
}

fn public_pem_from_private(private_pem: &[u8]) -> anyhow::Result<Vec<u8>> {
    use aws_lc_rs::signature::KeyPair;
    let der = pem_decode(private_pem, "PRIVATE KEY")?;
    let pair = aws_lc_rs::signature::Ed25519KeyPair::from_pkcs8(&der)
        .or_else(|_| aws_lc_rs::signature::Ed25519KeyPair::from_pkcs8_maybe_unchecked(&der))
        .map_err(|e| anyhow::anyhow!("invalid Ed25519 private key: {e}"))?;
    let mut spki = ED25519_SPKI_PREFIX.to_vec();
    spki.extend_from_slice(pair.public_key().as_ref());
    Ok(pem_encode("PUBLIC KEY", &spki).into_bytes())
}

fn pem_encode(label: &str, der: &[u8]) -> String {
    let body = STANDARD.encode(der);
    let mut out = format!("-----BEGIN {label}-----\n");
    for line in body.as_bytes().chunks(64) {
        out.push_str(std::str::from_utf8(line).unwrap_or_default());
        out.push('\n');
    }
    out.push_str(&format!("-----END {label}-----\n"));
    out
}

fn pem_decode(pem: &[u8], label: &str) -> anyhow::Result<Vec<u8>> {
    let text = std::str::from_utf8(pem).context("key file is not text")?;
    let begin = format!("-----BEGIN {label}-----");
    let end = format!("-----END {label}-----");
    let start = text.find(&begin).context("no PEM block in key file")? + begin.len();
    let stop = text[start..].find(&end).context("unterminated PEM block")? + start;
    let body: String = text[start..stop].split_whitespace().collect();
    STANDARD.decode(body).context("invalid PEM body")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Settings whose data directory is a fresh one under the system's temp dir.
    fn in_temp_dir() -> (PathBuf, Settings) {
        let dir = std::env::temp_dir().join(format!("mm-keys-{}", Uuid::now_v7()));
        let settings = Settings {
            data_dir: dir.clone(),
            ..Settings::default()
        };
        (dir, settings)
    }

    fn pair() -> (TokenIssuer, TokenVerifier) {
        let private = generate_ed25519_pem().unwrap();
        let public = public_pem_from_private(&private).unwrap();
        (
            TokenIssuer::from_private_pem(&private, "mm", "mm", Duration::from_secs(60)).unwrap(),
            TokenVerifier::from_public_pem(&public, "mm", "mm").unwrap(),
        )
    }

    #[test]
    fn issued_tokens_verify_with_their_scopes() {
        let (issuer, verifier) = pair();
        let user = Uuid::now_v7();
        let scopes = BTreeSet::from(["catalog:write".to_string(), "users:manage".to_string()]);
        let token = issuer.issue(user, &scopes).unwrap();
        let viewer = verifier.viewer(&token.token).unwrap();
        assert_eq!(viewer.user_id, Some(user));
        assert!(viewer.has_scope("users:manage"));
        assert!(!viewer.has_scope("orders:manage"));
    }

    #[test]
    fn tokens_from_another_key_are_refused() {
        let (issuer, _) = pair();
        let (_, other_verifier) = pair();
        let token = issuer.issue(Uuid::now_v7(), &BTreeSet::new()).unwrap();
        assert_eq!(
            other_verifier.verify(&token.token).unwrap_err(),
            TokenError::Invalid
        );
    }

    #[test]
    fn unsigned_and_hmac_tokens_are_refused() {
        let (issuer, verifier) = pair();
        let token = issuer
            .issue(Uuid::now_v7(), &BTreeSet::new())
            .unwrap()
            .token;
        let payload = token.split('.').nth(1).unwrap();
        for (alg, signature) in [("none", ""), ("HS256", "AAAA")] {
            let header = base64::engine::general_purpose::URL_SAFE_NO_PAD
                .encode(format!(r#"{{"alg":"{alg}","typ":"JWT"}}"#));
            let forged = format!("{header}.{payload}.{signature}");
            assert!(verifier.verify(&forged).is_err(), "{alg} accepted");
        }
        assert!(verifier.verify("garbage").is_err());
        assert!(verifier.verify(&"a".repeat(MAX_TOKEN_LEN + 1)).is_err());
    }

    const SECRET: &[u8] = b"0123456789abcdef0123456789abcdef";

    /// A credential signed with `SECRET`, with claims chosen by the test.
    fn forged(claims: serde_json::Value) -> String {
        jsonwebtoken::encode(
            &Header::new(Algorithm::HS256),
            &claims,
            &EncodingKey::from_secret(SECRET),
        )
        .unwrap()
    }

    #[test]
    fn service_credentials_name_their_caller_to_their_target_only() {
        let creds = ServiceCredentials::new(SECRET).unwrap();
        let token = creds.token_for("orders", "inventory").unwrap();
        assert_eq!(creds.verify(&token, "inventory").as_deref(), Some("orders"));
        // Meant for inventory: cart and payments refuse it.
        assert_eq!(creds.verify(&token, "cart"), None);
        assert_eq!(creds.verify(&token, "payments"), None);
        let other = ServiceCredentials::new(b"another secret of thirty-two b!!").unwrap();
        assert_eq!(other.verify(&token, "inventory"), None);
        assert!(creds.token_for("mallory", "inventory").is_err());
    }

    #[test]
    fn unknown_expired_and_long_lived_service_credentials_are_refused() {
        let creds = ServiceCredentials::new(SECRET).unwrap();
        let now = chrono::Utc::now().timestamp();
        let aud = "micromall-internal:orders";
        let genuine = forged(
            serde_json::json!({ "sub": "payments", "aud": aud, "iat": now, "exp": now + 30 }),
        );
        assert_eq!(
            creds.verify(&genuine, "orders").as_deref(),
            Some("payments")
        );
        for (why, claims) in [
            (
                "unknown caller",
                serde_json::json!({ "sub": "mallory", "aud": aud, "iat": now, "exp": now + 30 }),
            ),
            (
                "expired",
                serde_json::json!({ "sub": "payments", "aud": aud, "iat": now - 60, "exp": now - 30 }),
            ),
            (
                "a day long",
                serde_json::json!({ "sub": "payments", "aud": aud, "iat": now, "exp": now + 86_400 }),
            ),
            (
                "from the future",
                serde_json::json!({ "sub": "payments", "aud": aud, "iat": now + 600, "exp": now + 620 }),
            ),
            (
                "the old shared audience",
                serde_json::json!({ "sub": "payments", "aud": "micromall-internal", "iat": now, "exp": now + 30 }),
            ),
            (
                "no expiry",
                serde_json::json!({ "sub": "payments", "aud": aud, "iat": now }),
            ),
        ] {
            assert_eq!(creds.verify(&forged(claims), "orders"), None, "{why}");
        }
    }

    #[test]
    fn short_service_secrets_are_refused_with_the_variable_named() {
        let err = ServiceCredentials::new(b"hunter2")
            .err()
            .unwrap()
            .to_string();
        assert!(err.contains("MICROMALL_SERVICE_SECRET"), "{err}");
        assert!(err.contains("at least 32"), "{err}");
        assert!(!err.contains("hunter2"), "{err}");
        let (dir, mut settings) = in_temp_dir();
        settings.service_secret = Some("too short".into());
        let err = Keys::load(&settings, false).err().unwrap();
        assert!(
            format!("{err:#}").contains("MICROMALL_SERVICE_SECRET"),
            "{err:#}"
        );
        std::fs::remove_dir_all(dir).ok();
    }

    #[cfg(unix)]
    #[test]
    fn generated_secrets_are_readable_by_their_owner_only() {
        use std::os::unix::fs::PermissionsExt;
        let (dir, settings) = in_temp_dir();
        Keys::load(&settings, true).unwrap();
        shared_secret(&settings, None, "sandbox.key").unwrap();
        let secrets = dir.join("secrets");
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&secrets), 0o700);
        for file in ["jwt-ed25519.pem", "service.key", "sandbox.key"] {
            assert_eq!(mode(&secrets.join(file)), 0o600, "{file}");
        }
        std::fs::remove_dir_all(dir).ok();
    }

    #[test]
    fn embedded_keys_are_generated_once_and_reused() {
        let (dir, settings) = in_temp_dir();
        let first = Keys::load(&settings, true).unwrap();
        let second = Keys::load(&settings, false).unwrap();
        assert_eq!(first.public_pem, second.public_pem);
        assert_eq!(first.service_secret, second.service_secret);
        assert!(second.private_pem.is_none());
        let token = first
            .issuer(&settings)
            .unwrap()
            .issue(Uuid::now_v7(), &BTreeSet::new())
            .unwrap();
        assert!(
            second
                .verifier(&settings)
                .unwrap()
                .verify(&token.token)
                .is_ok()
        );
        std::fs::remove_dir_all(dir).ok();
    }
}
