//! A rollback runs the release before on the schema its successor migrated: migrations only
//! expand, so the older binary must start on a database holding migrations it does not know,
//! as long as it finds every one it does know applied. On SQLite and PostgreSQL.

use micromall_kit::testing::{Backend, TestDatabase};
use sea_orm::{ConnectionTrait, Statement};
use sea_orm_migration::prelude::*;

struct Named(&'static str, &'static str);

impl MigrationName for Named {
    fn name(&self) -> &str {
        self.0
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Named {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .get_connection()
            .execute_unprepared(&format!("CREATE TABLE {} (id INTEGER NOT NULL)", self.1))
            .await
            .map(|_| ())
    }
}

fn products() -> Box<dyn MigrationTrait> {
    Box::new(Named("m1_products", "products"))
}
fn tags() -> Box<dyn MigrationTrait> {
    Box::new(Named("m2_tags", "tags"))
}
fn wishlists() -> Box<dyn MigrationTrait> {
    Box::new(Named("m2_wishlists", "wishlists"))
}

/// The release before: products only.
struct Previous;
impl MigratorTrait for Previous {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![products()]
    }
}

/// The new release: products, then tags.
struct Next;
impl MigratorTrait for Next {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![products(), tags()]
    }
}

/// A release of another line: it knows a migration the database never had.
struct Elsewhere;
impl MigratorTrait for Elsewhere {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![products(), wishlists()]
    }
}

async fn rolls_back(backend: Backend) {
    let db = TestDatabase::create(backend)
        .await
        .expect("a test database");
    let next = micromall_kit::db::connect::<Next>(&db.url)
        .await
        .expect("the new release migrates");
    drop(next);

    let previous = micromall_kit::db::connect::<Previous>(&db.url)
        .await
        .expect("the release before starts on the expanded schema");
    // Nothing was undone: the newer table is still there for the next upgrade.
    let count = previous
        .query_one_raw(Statement::from_string(
            previous.get_database_backend(),
            "SELECT COUNT(*) AS n FROM tags",
        ))
        .await
        .expect("the tags table survived the rollback");
    assert!(count.is_some());
    drop(previous);

    // And rolling forward again is a no-op, not a failure.
    micromall_kit::db::connect::<Next>(&db.url)
        .await
        .expect("the new release starts again");

    let refused = micromall_kit::db::connect::<Elsewhere>(&db.url)
        .await
        .expect_err("a release missing from this database's line is refused");
    let message = format!("{refused:#}");
    assert!(message.contains("m2_wishlists"), "{message}");
}

#[tokio::test]
async fn the_release_before_starts_on_a_schema_its_successor_migrated_sqlite() {
    rolls_back(Backend::Sqlite).await;
}

#[tokio::test]
#[cfg_attr(
    not(postgres_tests),
    ignore = "MICROMALL_TEST_POSTGRES_URL is unset: this test needs the PostgreSQL server"
)]
async fn the_release_before_starts_on_a_schema_its_successor_migrated_postgres() {
    rolls_back(Backend::Postgres).await;
}
