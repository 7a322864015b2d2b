use std::time::Duration;

use micromall_kit::testing::{Backend, EventRecorder};

use crate::support::{Accounts, PASSWORD};
use micromall_kit::on_every_backend;

on_every_backend!(registration_publishes_an_event_through_the_outbox);

async fn registration_publishes_an_event_through_the_outbox(backend: Backend) {
    let app = Accounts::start(backend).await;
    let mut rx = EventRecorder::subscribe(&app.subgraph, &["accounts.user.*"]).await;
    let body = app
        .register("evented@example.com", PASSWORD, "Eve Vented")
        .await;
    let id = body["data"]["register"]["user"]["id"]
        .as_str()
        .unwrap()
        .to_owned();

    // The admin bootstrapped at start-up registered too; find ours.
    let event = tokio::time::timeout(Duration::from_secs(5), async {
        loop {
            let event = rx.recv().await.expect("bus open");
            if event.payload["userId"] == id.as_str() {
                return event;
            }
        }
    })
    .await
    .expect("event within 5 s");
    assert_eq!(event.subject, micromall_accounts::USER_REGISTERED);
    assert_eq!(event.payload["name"], "Eve Vented");
    assert!(event.payload.get("email").is_none(), "no PII in events");
}
