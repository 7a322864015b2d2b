use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use micromall_kit::testing::Backend;
use serde_json::{Value, json};

use crate::support::{Accounts, claims, error_code};
use micromall_kit::on_every_backend;

on_every_backend!(forged_expired_and_unsigned_tokens_are_refused);

async fn me_with(app: &Accounts, token: &str) -> (u16, Value) {
    app.post(&json!({ "query": "{ me { id } }" }), Some(token))
        .await
}

fn sign(pem: &[u8], claims: &Value) -> String {
    let key = EncodingKey::from_ed_pem(pem).unwrap();
    jsonwebtoken::encode(&Header::new(Algorithm::EdDSA), claims, &key).unwrap()
}

async fn forged_expired_and_unsigned_tokens_are_refused(backend: Backend) {
    let app = Accounts::start(backend).await;
    let (id, genuine) = app.customer("victim@example.com").await;
    assert_eq!(me_with(&app, &genuine).await.1["data"]["me"]["id"], id);
    let genuine_claims = claims(&genuine);

    // Signed with the shop's real key, but expired an hour ago.
    let pem = std::fs::read(app.db.dir.join("secrets/jwt-ed25519.pem")).unwrap();
    let now = chrono::Utc::now().timestamp();
    let mut expired = genuine_claims.clone();
    expired["iat"] = json!(now - 7200);
    expired["exp"] = json!(now - 3600);
    let (status, body) = me_with(&app, &sign(&pem, &expired)).await;
    assert_eq!(
        (status, error_code(&body)),
        (401, "UNAUTHENTICATED"),
        "{body}"
    );
    assert_eq!(body["data"], Value::Null);

    // Same claims, escalated scope, signed by a key the attacker made.
    let rng = aws_lc_rs_free_key();
    let mut escalated = genuine_claims.clone();
    escalated["scope"] = json!("users:manage");
    let (status, body) = me_with(&app, &sign(&rng, &escalated)).await;
    assert_eq!((status, error_code(&body)), (401, "UNAUTHENTICATED"));

    // `alg: none` with the genuine payload.
    let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"none","typ":"JWT"}"#);
    let payload = genuine.split('.').nth(1).unwrap();
    let (status, body) = me_with(&app, &format!("{header}.{payload}.")).await;
    assert_eq!((status, error_code(&body)), (401, "UNAUTHENTICATED"));

    // Payload tampered after signing.
    let mut tampered = genuine_claims.clone();
    tampered["sub"] = json!("0199aaaa-0000-7000-8000-000000000000");
    let forged_payload = URL_SAFE_NO_PAD.encode(tampered.to_string());
    let mut parts: Vec<&str> = genuine.split('.').collect();
    parts[1] = &forged_payload;
    let (status, _) = me_with(&app, &parts.join(".")).await;
    assert_eq!(status, 401);

    // Wrong audience, even when signed with the real key.
    let mut other_audience = genuine_claims.clone();
    other_audience["aud"] = json!("someone-else");
    assert_eq!(me_with(&app, &sign(&pem, &other_audience)).await.0, 401);

    // Not a bearer token at all.
    let response = app
        .http
        .post(app.subgraph.url())
        .header("authorization", "Basic dXNlcjpwYXNz")
        .json(&json!({ "query": "{ me { id } }" }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 401);
}

/// A valid Ed25519 private key that the shop does not know.
fn aws_lc_rs_free_key() -> Vec<u8> {
    let dir = std::env::temp_dir().join(format!("mm-attacker-{}", uuid::Uuid::now_v7()));
    let settings = micromall_kit::config::Settings {
        data_dir: dir.clone(),
        ..Default::default()
    };
    let keys = micromall_kit::auth::Keys::load(&settings, true).unwrap();
    std::fs::remove_dir_all(dir).ok();
    keys.private_pem.unwrap()
}
