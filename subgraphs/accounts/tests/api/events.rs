use std::sync::Arc;
use std::time::Duration;

use micromall_kit::events::{Event, EventHandler};
use micromall_kit::testing::Backend;
use tokio::sync::mpsc;

use crate::on_every_backend;
use crate::support::{Accounts, PASSWORD};

on_every_backend!(registration_publishes_an_event_through_the_outbox);

struct Forward(mpsc::UnboundedSender<Event>);

#[async_trait::async_trait]
impl EventHandler for Forward {
    async fn handle(&self, event: &Event) -> anyhow::Result<()> {
        self.0.send(event.clone())?;
        Ok(())
    }
}

async fn registration_publishes_an_event_through_the_outbox(backend: Backend) {
    let app = Accounts::start(backend).await;
    let (tx, mut rx) = mpsc::unbounded_channel();
    app.subgraph
        .platform
        .bus
        .subscribe("test", &["accounts.user.*"], Arc::new(Forward(tx)))
        .await
        .unwrap();
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
