//! One failing event never holds up the others: it is retried on its own with backoff, parked
//! as a dead letter after the last attempt while later events flow, listed, and once its cause
//! is fixed, replayed, with its effect applied exactly once. On the in-process bus (SQLite and
//! PostgreSQL) and on NATS JetStream with PostgreSQL, through the real outbox relay.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

use micromall_kit::config::EventsSettings;
use micromall_kit::events::outbox::{Outbox, pending_count};
use micromall_kit::events::retries::{Consumers, dead_letters, replay, retrying_count};
use micromall_kit::events::{Event, EventBus, EventHandler, InProcessBus, inbox};
use micromall_kit::testing::{Backend, TestDatabase};
use micromall_migrations::shared::{CreateEventRetries, CreateInbox, CreateOutbox};
use sea_orm::{ConnectionTrait, DatabaseConnection, Statement};
use sea_orm_migration::{MigrationTrait, MigratorTrait};
use serde_json::json;
use tokio_util::sync::CancellationToken;

struct EventTables;

impl MigratorTrait for EventTables {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(CreateOutbox),
            Box::new(CreateInbox),
            Box::new(CreateEventRetries),
        ]
    }
}

async fn database(backend: Backend) -> DatabaseConnection {
    let db = TestDatabase::create(backend).await.expect("test database");
    let db = micromall_kit::db::connect::<EventTables>(&db.url)
        .await
        .expect("migrated");
    db.execute_unprepared("CREATE TABLE effects (name VARCHAR(20) NOT NULL)")
        .await
        .unwrap();
    db
}

/// Writes one `effects` row per event, once (inbox). Event "A" fails while the ledger is
/// broken for it.
struct Ledger {
    db: DatabaseConnection,
    broken: AtomicBool,
    attempts_on_a: AtomicUsize,
}

#[async_trait::async_trait]
impl EventHandler for Ledger {
    async fn handle(&self, event: &Event) -> anyhow::Result<()> {
        let name = event.payload["name"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        if name == "A" {
            self.attempts_on_a.fetch_add(1, Ordering::SeqCst);
            if self.broken.load(Ordering::SeqCst) {
                anyhow::bail!("the ledger cannot take A yet");
            }
        }
        if let Some(txn) = inbox::begin_once(&self.db, "ledger", event.id).await? {
            // The names are the test's own ("A", "B").
            txn.execute_unprepared(&format!("INSERT INTO effects (name) VALUES ('{name}')"))
                .await?;
            txn.commit().await?;
        }
        Ok(())
    }
}

async fn effects(db: &DatabaseConnection, name: &str) -> i64 {
    let row = db
        .query_one_raw(Statement::from_string(
            db.get_database_backend(),
            format!("SELECT COUNT(*) AS c FROM effects WHERE name = '{name}'"),
        ))
        .await
        .unwrap()
        .unwrap();
    row.try_get("", "c").unwrap()
}

async fn within<F: std::future::Future<Output = bool>>(what: &str, check: impl Fn() -> F) {
    tokio::time::timeout(Duration::from_secs(15), async {
        while !check().await {
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
    })
    .await
    .unwrap_or_else(|_| panic!("{what} within 15 s"));
}

async fn a_poison_event_is_parked_listed_and_replayed_once(
    db: DatabaseConnection,
    bus: Arc<dyn EventBus>,
    label: &str,
) {
    let ledger = Arc::new(Ledger {
        db: db.clone(),
        broken: AtomicBool::new(true),
        attempts_on_a: AtomicUsize::new(0),
    });
    let consumers = Consumers::new(
        db.clone(),
        EventsSettings {
            retry_base: Duration::from_millis(100),
            max_attempts: 3,
        },
    );
    consumers
        .subscribe(bus.as_ref(), "ledger", &["orders.>"], ledger.clone())
        .await
        .unwrap();
    let stop = CancellationToken::new();
    let worker = consumers.spawn_worker(stop.clone());
    let outbox = Outbox::default();
    let relay = outbox.spawn_relay(db.clone(), bus.clone(), stop.clone());

    let a = outbox
        .enqueue(&db, "orders.order.cancelled", &json!({ "name": "A" }))
        .await
        .unwrap();
    outbox
        .enqueue(&db, "orders.order.paid", &json!({ "name": "B" }))
        .await
        .unwrap();
    outbox.wake();

    // B, behind A, is applied while A keeps failing.
    within(&format!("{label}: B applied"), || async {
        effects(&db, "B").await == 1
    })
    .await;
    assert_eq!(effects(&db, "A").await, 0, "{label}");
    within(&format!("{label}: the outbox drained"), || async {
        pending_count(&db).await.unwrap() == 0
    })
    .await;

    // After its three attempts A is a dead letter.
    within(&format!("{label}: A parked"), || async {
        !dead_letters(&db).await.unwrap().is_empty()
    })
    .await;
    let dead = dead_letters(&db).await.unwrap();
    assert_eq!(dead.len(), 1, "{label}: {dead:?}");
    assert_eq!(
        (
            dead[0].event_id,
            dead[0].consumer.as_str(),
            dead[0].subject.as_str()
        ),
        (a, "ledger", "orders.order.cancelled"),
        "{label}"
    );
    assert_eq!(dead[0].attempts, 3, "{label}");
    assert!(dead[0].last_error.contains("cannot take A"), "{label}");
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(
        ledger.attempts_on_a.load(Ordering::SeqCst),
        3,
        "{label}: no attempt after the last"
    );
    assert_eq!(retrying_count(&db).await.unwrap(), 0, "{label}");

    // Fixed and replayed: applied once.
    ledger.broken.store(false, Ordering::SeqCst);
    assert!(replay(&db, dead[0].id).await.unwrap(), "{label}");
    assert!(
        !replay(&db, dead[0].id).await.unwrap(),
        "{label}: no longer a dead letter"
    );
    within(&format!("{label}: A applied after the replay"), || async {
        effects(&db, "A").await == 1
    })
    .await;
    within(&format!("{label}: nothing left to retry"), || async {
        retrying_count(&db).await.unwrap() == 0
    })
    .await;
    assert!(dead_letters(&db).await.unwrap().is_empty(), "{label}");

    // Delivered again (a relay re-sending, a replay run twice): nothing more happens.
    bus.publish(&Event {
        id: a,
        subject: "orders.order.cancelled".into(),
        occurred_at: chrono::Utc::now(),
        payload: json!({ "name": "A" }),
    })
    .await
    .unwrap();
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(
        (effects(&db, "A").await, effects(&db, "B").await),
        (1, 1),
        "{label}"
    );
    stop.cancel();
    relay.await.unwrap();
    worker.await.unwrap();
}

async fn on_the_in_process_bus(backend: Backend) {
    let db = database(backend).await;
    a_poison_event_is_parked_listed_and_replayed_once(
        db,
        Arc::new(InProcessBus::default()),
        &format!("in-process, {backend:?}"),
    )
    .await;
}

micromall_kit::on_every_backend!(on_the_in_process_bus);

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
#[cfg_attr(
    not(all(nats_tests, postgres_tests)),
    ignore = "MICROMALL_TEST_NATS_URL or MICROMALL_TEST_POSTGRES_URL is unset: this test needs both servers"
)]
async fn on_nats_jetstream_with_postgres() {
    let bus = micromall_kit::testing::nats_bus().await;
    let db = database(Backend::Postgres).await;
    a_poison_event_is_parked_listed_and_replayed_once(db, Arc::new(bus), "NATS + PostgreSQL").await;
}
