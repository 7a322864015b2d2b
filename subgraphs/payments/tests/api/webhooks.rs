//! Generated callbacks at `POST /webhooks/payments/sandbox`, as anyone on the internet can
//! send them: arbitrary bodies with no, forged, stale or genuine signatures, and genuine
//! signatures over callbacks of every shape (unknown payments, odd amounts and currencies,
//! huge ids). Each gets a client answer (a refusal, or an acknowledgement that changes
//! nothing), never a server error, and the subgraph keeps serving. (Fuzzed for longer by
//! `fuzz/`, see docs/security.md.)

use chrono::Utc;
use micromall_kit::testing::{Backend, TestDatabase, settings_for, start_subgraph};
use micromall_payments::sandbox::signature;
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use serde_json::json;

const SECRET: &str = "webhook-test-secret-0123456789abcdef";

#[derive(Debug, Clone)]
enum Signing {
    None,
    Forged(String),
    Genuine,
    Stale,
}

fn signing() -> impl Strategy<Value = Signing> {
    prop_oneof![
        Just(Signing::None),
        "\\PC{0,80}".prop_map(Signing::Forged),
        "[0-9]{1,12}".prop_map(|t| Signing::Forged(format!("t={t},v1={}", "ab".repeat(32)))),
        Just(Signing::Genuine),
        Just(Signing::Stale),
    ]
}

fn callback() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        prop::collection::vec(any::<u8>(), 0..512),
        (
            "\\PC{0,300}",
            prop::sample::select(
                &["charge.succeeded", "charge.failed", "refund.succeeded", ""][..]
            ),
            any::<i64>(),
            any::<u128>(),
            "-?[0-9]{1,30}(\\.[0-9]{0,30})?",
            "[A-Z]{0,5}",
        )
            .prop_map(|(id, kind, created, reference, amount, currency)| {
                json!({
                    "id": id,
                    "type": kind,
                    "created": created,
                    "data": {
                        "charge": "ch_x",
                        "reference": uuid::Uuid::from_u128(reference),
                        "amount": amount,
                        "currency": currency,
                    },
                })
                .to_string()
                .into_bytes()
            }),
    ]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn any_callback_is_refused_or_acknowledged_never_a_server_error() {
    let db = TestDatabase::create(Backend::Sqlite)
        .await
        .expect("database");
    let mut settings = settings_for(&db, "payments");
    settings.payments.sandbox.secret = Some(SECRET.into());
    let subgraph = start_subgraph(&micromall_payments::SUBGRAPH, settings).await;
    let url = format!("{}/webhooks/payments/sandbox", subgraph.base_url());
    let http = reqwest::Client::new();
    let handle = tokio::runtime::Handle::current();
    tokio::task::spawn_blocking(move || {
        let mut runner = TestRunner::new(Config::with_cases(256));
        runner
            .run(&(callback(), signing()), |(body, signing)| {
                let now = Utc::now().timestamp();
                let header = match &signing {
                    Signing::None => None,
                    Signing::Forged(header) => Some(header.clone()),
                    Signing::Genuine => Some(signature::sign(SECRET.as_bytes(), now, &body)),
                    Signing::Stale => Some(signature::sign(SECRET.as_bytes(), now - 3600, &body)),
                };
                let status = handle.block_on(async {
                    let mut request = http.post(&url).body(body.clone());
                    if let Some(header) = header {
                        request = request.header(signature::HEADER, header);
                    }
                    request.send().await.expect("payments answers").status()
                });
                prop_assert!(!status.is_server_error(), "HTTP {status} for {signing:?}");
                if !matches!(signing, Signing::Genuine) {
                    // Without a genuine, fresh signature nothing is even read.
                    prop_assert!(
                        status == 400 || status == 401,
                        "HTTP {status} for {signing:?}"
                    );
                }
                Ok(())
            })
            .expect("every generated callback is answered");
    })
    .await
    .unwrap();
    let health = reqwest::get(format!("{}/health/ready", subgraph.base_url()))
        .await
        .unwrap();
    assert!(health.status().is_success());
}
