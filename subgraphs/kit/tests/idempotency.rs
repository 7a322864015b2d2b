//! An idempotency claim is a lease: a request that died holding a key (its process killed
//! mid-request) does not lock the customer out of retrying with it, and a request that runs
//! long keeps its key, so it is never run twice. On SQLite and PostgreSQL.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use micromall_kit::idempotency::{self, Claim, KeyUse};
use micromall_kit::outcome::DomainError;
use micromall_kit::testing::{Backend, TestDatabase};
use micromall_migrations::shared::CreateIdempotencyKeys;
use sea_orm::sea_query::{Alias, Query};
use sea_orm::{ConnectionTrait, DatabaseConnection};
use sea_orm_migration::{MigrationTrait, MigratorTrait};
use uuid::Uuid;

struct KeyTable;

impl MigratorTrait for KeyTable {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![Box::new(CreateIdempotencyKeys)]
    }
}

async fn database(backend: Backend) -> (TestDatabase, DatabaseConnection) {
    let test_db = TestDatabase::create(backend)
        .await
        .expect("a test database");
    let db = micromall_kit::db::connect::<KeyTable>(&test_db.url)
        .await
        .expect("migrated");
    (test_db, db)
}

fn key_use(user: Uuid) -> KeyUse<'static> {
    KeyUse::new(user, "checkout", "key-1", &"the same cart").expect("a valid key")
}

/// Dates every claim `seconds` back, as if that long had gone by since it was renewed.
async fn age_claims(db: &DatabaseConnection, seconds: i64) {
    let then = chrono::Utc::now() - chrono::TimeDelta::seconds(seconds);
    let update = Query::update()
        .table(Alias::new("idempotency_keys"))
        .value(Alias::new("created_at"), then)
        .to_owned();
    db.execute(&update).await.expect("aged");
}

async fn run_once(db: &DatabaseConnection, user: Uuid, work: Duration, runs: &AtomicUsize) -> Uuid {
    let made = Uuid::now_v7();
    idempotency::once(
        db,
        &key_use(user),
        || "conflict",
        |earlier| async move { Ok::<_, DomainError<&str>>(earlier) },
        || async {
            runs.fetch_add(1, Ordering::SeqCst);
            tokio::time::sleep(work).await;
            idempotency::complete(db, &key_use(user), made)
                .await
                .expect("completed");
            Ok(made)
        },
    )
    .await
    .unwrap_or_else(|_| panic!("the request ran"))
}

async fn a_dead_claim_is_taken_over(backend: Backend) {
    let (_keep, db) = database(backend).await;
    let user = Uuid::now_v7();
    // A request claims the key, and its process dies before any result.
    assert!(matches!(
        idempotency::claim(&db, &key_use(user))
            .await
            .expect("claimed"),
        Claim::Fresh
    ));
    age_claims(&db, 20).await;
    let runs = AtomicUsize::new(0);
    let started = std::time::Instant::now();
    let result = run_once(&db, user, Duration::ZERO, &runs).await;
    assert_eq!(runs.load(Ordering::SeqCst), 1, "the retry ran");
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "the retry was not kept waiting on a dead claim"
    );
    // And the key now answers with that result.
    assert_eq!(run_once(&db, user, Duration::ZERO, &runs).await, result);
    assert_eq!(runs.load(Ordering::SeqCst), 1);
}

async fn a_long_request_keeps_its_key(backend: Backend) {
    let (_keep, db) = database(backend).await;
    let user = Uuid::now_v7();
    let runs = AtomicUsize::new(0);
    // The first request runs past a renewal; while it runs, its claim is made to look old,
    // as a request running longer than the lease would. The renewal makes it fresh again.
    let first = run_once(&db, user, Duration::from_secs(4), &runs);
    let repeat = async {
        tokio::time::sleep(Duration::from_millis(500)).await;
        age_claims(&db, 20).await;
        tokio::time::sleep(Duration::from_secs(3)).await;
        run_once(&db, user, Duration::ZERO, &runs).await
    };
    let (first, repeat) = tokio::join!(first, repeat);
    assert_eq!(first, repeat, "the repeat got the first request's result");
    assert_eq!(runs.load(Ordering::SeqCst), 1, "the request ran once");
}

#[tokio::test]
async fn a_claim_left_by_a_dead_request_is_taken_over_sqlite() {
    a_dead_claim_is_taken_over(Backend::Sqlite).await;
}

#[tokio::test]
async fn a_long_request_keeps_its_key_sqlite() {
    a_long_request_keeps_its_key(Backend::Sqlite).await;
}

#[tokio::test]
#[cfg_attr(
    not(postgres_tests),
    ignore = "MICROMALL_TEST_POSTGRES_URL is unset: this test needs the PostgreSQL server"
)]
async fn a_claim_left_by_a_dead_request_is_taken_over_postgres() {
    a_dead_claim_is_taken_over(Backend::Postgres).await;
}

#[tokio::test]
#[cfg_attr(
    not(postgres_tests),
    ignore = "MICROMALL_TEST_POSTGRES_URL is unset: this test needs the PostgreSQL server"
)]
async fn a_long_request_keeps_its_key_postgres() {
    a_long_request_keeps_its_key(Backend::Postgres).await;
}
