//! The outbox, the inbox and both buses, against real databases and (when configured) a real
//! NATS server.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use micromall_kit::events::outbox::{Outbox, pending_count, relay_batch};
use micromall_kit::events::{Event, EventBus, EventHandler, InProcessBus, inbox};
use micromall_kit::testing::{Backend, TestDatabase, backends};
use micromall_migrations::shared::{CreateInbox, CreateOutbox};
use sea_orm::{ConnectionTrait, DatabaseConnection, TransactionTrait};
use sea_orm_migration::{MigrationTrait, MigratorTrait};
use serde_json::json;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

struct EventTables;

impl MigratorTrait for EventTables {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![Box::new(CreateOutbox), Box::new(CreateInbox)]
    }
}

async fn database(backend: Backend) -> DatabaseConnection {
    let db = TestDatabase::create(backend).await.expect("test database");
    micromall_kit::db::connect::<EventTables>(&db.url)
        .await
        .expect("migrated")
}

/// Forwards events to a channel, failing the first `fail_first` deliveries.
struct Recorder {
    tx: mpsc::UnboundedSender<Event>,
    fail_first: usize,
    calls: AtomicUsize,
}

impl Recorder {
    fn new(fail_first: usize) -> (Arc<Self>, mpsc::UnboundedReceiver<Event>) {
        let (tx, rx) = mpsc::unbounded_channel();
        (
            Arc::new(Self {
                tx,
                fail_first,
                calls: AtomicUsize::new(0),
            }),
            rx,
        )
    }
}

#[async_trait::async_trait]
impl EventHandler for Recorder {
    async fn handle(&self, event: &Event) -> anyhow::Result<()> {
        if self.calls.fetch_add(1, Ordering::SeqCst) < self.fail_first {
            anyhow::bail!("consumer temporarily down");
        }
        self.tx.send(event.clone())?;
        Ok(())
    }
}

async fn next(rx: &mut mpsc::UnboundedReceiver<Event>) -> Event {
    tokio::time::timeout(Duration::from_secs(10), rx.recv())
        .await
        .expect("event within 10 s")
        .expect("channel open")
}

#[tokio::test]
async fn only_committed_events_are_published_and_each_once() {
    for backend in backends() {
        let db = database(backend).await;
        let bus = InProcessBus::default();
        let (recorder, mut rx) = Recorder::new(0);
        bus.subscribe("test", &["orders.>"], recorder)
            .await
            .unwrap();
        let outbox = Outbox::default();

        let rolled_back = db.begin().await.unwrap();
        outbox
            .enqueue(&rolled_back, "orders.order.placed", &json!({ "n": 1 }))
            .await
            .unwrap();
        rolled_back.rollback().await.unwrap();
        let committed = db.begin().await.unwrap();
        let id = outbox
            .enqueue(&committed, "orders.order.placed", &json!({ "n": 2 }))
            .await
            .unwrap();
        committed.commit().await.unwrap();

        assert_eq!(relay_batch(&db, &bus).await.unwrap(), 1, "{backend:?}");
        assert_eq!(
            relay_batch(&db, &bus).await.unwrap(),
            0,
            "{backend:?}: nothing left"
        );
        let event = next(&mut rx).await;
        assert_eq!((event.id, event.payload["n"].as_i64()), (id, Some(2)));
        assert!(rx.try_recv().is_err(), "{backend:?}: delivered once");
    }
}

#[tokio::test]
async fn the_relay_retries_until_a_failing_consumer_recovers() {
    for backend in backends() {
        let db = database(backend).await;
        let bus: Arc<dyn EventBus> = Arc::new(InProcessBus::default());
        let (recorder, mut rx) = Recorder::new(2);
        bus.subscribe("flaky", &["catalog.product.changed"], recorder.clone())
            .await
            .unwrap();
        let outbox = Outbox::default();
        let stop = CancellationToken::new();
        let relay = outbox.spawn_relay(db.clone(), bus, stop.clone());

        outbox
            .enqueue(&db, "catalog.product.changed", &json!({ "id": "p1" }))
            .await
            .unwrap();
        outbox.wake();
        let event = next(&mut rx).await;
        assert_eq!(event.payload["id"], "p1");
        assert_eq!(
            recorder.calls.load(Ordering::SeqCst),
            3,
            "{backend:?}: two failures, then success"
        );
        // The row is marked published right after delivery.
        tokio::time::timeout(Duration::from_secs(5), async {
            while pending_count(&db).await.unwrap() > 0 {
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        })
        .await
        .expect("outbox drained");
        stop.cancel();
        relay.await.unwrap();
    }
}

#[tokio::test]
async fn the_inbox_applies_a_redelivered_event_once() {
    for backend in backends() {
        let db = database(backend).await;
        db.execute_unprepared("CREATE TABLE effects (n INTEGER NOT NULL)")
            .await
            .unwrap();
        let event_id = uuid::Uuid::now_v7();
        let deliveries = (0..5).map(|_| {
            let db = db.clone();
            async move {
                if let Some(txn) = inbox::begin_once(&db, "counter", event_id).await.unwrap() {
                    txn.execute_unprepared("INSERT INTO effects (n) VALUES (1)")
                        .await
                        .unwrap();
                    txn.commit().await.unwrap();
                }
            }
        });
        futures::future::join_all(deliveries).await;
        let rows = db
            .query_one_raw(sea_orm::Statement::from_string(
                db.get_database_backend(),
                "SELECT COUNT(*) AS c FROM effects",
            ))
            .await
            .unwrap()
            .unwrap();
        let count: i64 = rows.try_get("", "c").unwrap();
        assert_eq!(count, 1, "{backend:?}");
        // Another consumer handles the same event independently.
        assert!(
            inbox::begin_once(&db, "other", event_id)
                .await
                .unwrap()
                .is_some()
        );
    }
}

#[tokio::test]
#[cfg_attr(
    not(nats_tests),
    ignore = "MICROMALL_TEST_NATS_URL is unset: this test needs a NATS server"
)]
async fn nats_jetstream_delivers_dedupes_and_redelivers() {
    let bus = micromall_kit::testing::nats_bus().await;
    let (recorder, mut rx) = Recorder::new(1);
    bus.subscribe("consumer", &["payments.payment.*"], recorder.clone())
        .await
        .unwrap();

    let event = Event {
        id: uuid::Uuid::now_v7(),
        subject: "payments.payment.captured".into(),
        occurred_at: chrono::Utc::now(),
        payload: json!({ "paymentId": "pay_1" }),
    };
    bus.publish(&event).await.unwrap();
    bus.publish(&event).await.unwrap(); // a relay re-sending after a crash
    let received = next(&mut rx).await;
    assert_eq!(received, event);
    assert_eq!(
        recorder.calls.load(Ordering::SeqCst),
        2,
        "first delivery failed and was redelivered"
    );
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(
        rx.try_recv().is_err(),
        "the duplicate publish was not delivered again"
    );
}

/// Two replicas of a subgraph on one NATS stream: a consumer with effects runs each event
/// once between them; a consumer each replica keeps to itself gets every event in each.
#[tokio::test]
#[cfg_attr(
    not(nats_tests),
    ignore = "MICROMALL_TEST_NATS_URL is unset: this test needs a NATS server"
)]
async fn nats_replicas_share_effects_and_each_keep_their_read_model() {
    let url = std::env::var("MICROMALL_TEST_NATS_URL").expect("MICROMALL_TEST_NATS_URL");
    micromall_kit::telemetry::install_crypto_provider();
    let tag = uuid::Uuid::now_v7().simple().to_string();
    let (stream, prefix) = (format!("TEST_{tag}"), format!("test{tag}"));
    let replica = || micromall_kit::events::NatsBus::connect(&url, &stream, &prefix);
    let (a, b) = (replica().await.unwrap(), replica().await.unwrap());

    // Both replicas' effects land in one recorder: the test counts them together.
    let (effects, mut effects_rx) = Recorder::new(0);
    let (index_a, mut index_a_rx) = Recorder::new(0);
    let (index_b, mut index_b_rx) = Recorder::new(0);
    let subjects = ["orders.order.*"];
    a.subscribe("stock", &subjects, effects.clone())
        .await
        .unwrap();
    b.subscribe("stock", &subjects, effects).await.unwrap();
    a.subscribe_each_replica("index", "replica-a", &subjects, index_a)
        .await
        .unwrap();
    b.subscribe_each_replica("index", "replica-b", &subjects, index_b)
        .await
        .unwrap();

    const EVENTS: usize = 40;
    for n in 0..EVENTS {
        let event = Event {
            id: uuid::Uuid::now_v7(),
            subject: "orders.order.paid".into(),
            occurred_at: chrono::Utc::now(),
            payload: json!({ "n": n }),
        };
        a.publish(&event).await.unwrap();
    }
    for rx in [&mut index_a_rx, &mut index_b_rx] {
        let mut seen: Vec<i64> = Vec::new();
        for _ in 0..EVENTS {
            seen.push(next(rx).await.payload["n"].as_i64().unwrap_or(-1));
        }
        seen.sort_unstable();
        assert_eq!(
            seen,
            (0..EVENTS as i64).collect::<Vec<_>>(),
            "every event in each replica"
        );
    }
    let mut handled: Vec<i64> = Vec::new();
    for _ in 0..EVENTS {
        handled.push(
            next(&mut effects_rx).await.payload["n"]
                .as_i64()
                .unwrap_or(-1),
        );
    }
    handled.sort_unstable();
    assert_eq!(
        handled,
        (0..EVENTS as i64).collect::<Vec<_>>(),
        "each event handled by one of the replicas"
    );
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(effects_rx.try_recv().is_err(), "and by only one");
}
