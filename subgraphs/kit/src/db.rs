//! Database connections: SQLite (embedded) or PostgreSQL (distributed), chosen by URL.
//!
//! SQLite runs in WAL mode with a small pool and a busy timeout, and every write transaction
//! begins IMMEDIATE: a deferred transaction that reads and then writes can fail with
//! "database is locked" no matter the timeout.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::Context as _;
use sea_orm::sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous};
use sea_orm::{
    ConnectOptions, ConnectionTrait, DatabaseBackend, DatabaseConnection, DatabaseTransaction,
    DbErr, SqlErr, SqliteTransactionMode, TransactionOptions, TransactionTrait,
};
use sea_orm_migration::MigratorTrait;

const SQLITE_POOL: u32 = 8;
const POSTGRES_POOL: u32 = 16;
const BUSY_TIMEOUT: Duration = Duration::from_secs(10);

/// Records the SQL a connection runs while switched on: lets tests prove that a request
/// costs one query, not one per row. Off, it costs one atomic load per statement.
#[derive(Clone, Default)]
pub struct QueryLog {
    recording: Arc<AtomicBool>,
    statements: Arc<Mutex<Vec<String>>>,
}

impl QueryLog {
    pub fn start(&self) {
        self.statements
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clear();
        self.recording.store(true, Ordering::SeqCst);
    }

    /// Stops recording and returns what ran since `start`.
    pub fn stop(&self) -> Vec<String> {
        self.recording.store(false, Ordering::SeqCst);
        std::mem::take(&mut *self.statements.lock().unwrap_or_else(|e| e.into_inner()))
    }

    fn record(&self, sql: &str) {
        if self.recording.load(Ordering::Relaxed) {
            self.statements
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .push(sql.to_owned());
        }
    }
}

/// Opens the database at `url` without migrating it.
pub async fn open(url: &str) -> anyhow::Result<DatabaseConnection> {
    Ok(open_logged(url).await?.0)
}

/// Opens the database with a `QueryLog` attached.
pub async fn open_logged(url: &str) -> anyhow::Result<(DatabaseConnection, QueryLog)> {
    let mut options = ConnectOptions::new(url.to_owned());
    options
        .acquire_timeout(Duration::from_secs(10))
        .connect_timeout(Duration::from_secs(5))
        .sqlx_logging(false);
    if url.starts_with("sqlite:") {
        ensure_sqlite_dir(url)?;
        options
            .max_connections(SQLITE_POOL)
            .min_connections(1)
            .map_sqlx_sqlite_opts(|o| {
                o.journal_mode(SqliteJournalMode::Wal)
                    .synchronous(SqliteSynchronous::Normal)
                    .busy_timeout(BUSY_TIMEOUT)
                    .foreign_keys(true)
            });
    } else {
        options.max_connections(POSTGRES_POOL).min_connections(1);
    }
    let mut db = sea_orm::Database::connect(options)
        .await
        .with_context(|| format!("cannot connect to database {}", redact(url)))?;
    let log = QueryLog::default();
    let recorder = log.clone();
    db.set_metric_callback(move |info| recorder.record(&info.statement.sql));
    Ok((db, log))
}

/// Opens the database and brings its schema up to date with the subgraph's migrator.
pub async fn connect<M: MigratorTrait>(url: &str) -> anyhow::Result<DatabaseConnection> {
    let db = open(url).await?;
    M::up(&db, None)
        .await
        .with_context(|| format!("migrating {} failed", redact(url)))?;
    Ok(db)
}

/// Begins a transaction that will write: IMMEDIATE on SQLite, plain on PostgreSQL.
pub async fn begin_write(db: &DatabaseConnection) -> Result<DatabaseTransaction, DbErr> {
    let options = TransactionOptions {
        sqlite_transaction_mode: (db.get_database_backend() == DatabaseBackend::Sqlite)
            .then_some(SqliteTransactionMode::Immediate),
        ..TransactionOptions::default()
    };
    db.begin_with_options(options).await
}

/// Whether a write failed on a unique constraint (a race lost to another writer).
pub fn is_unique_violation(err: &DbErr) -> bool {
    matches!(err.sql_err(), Some(SqlErr::UniqueConstraintViolation(_)))
}

/// Checks that the database answers (readiness).
pub async fn ping(db: &DatabaseConnection) -> bool {
    db.execute_unprepared("SELECT 1").await.is_ok()
}

/// A URL fit for logs: the password, if any, is hidden.
pub fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme_end), Some(at)) if at > scheme_end => {
            match url[scheme_end + 3..at].split_once(':') {
                Some((user, _password)) => {
                    format!("{}{user}:***{}", &url[..scheme_end + 3], &url[at..])
                }
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}

fn ensure_sqlite_dir(url: &str) -> anyhow::Result<()> {
    let path = url
        .trim_start_matches("sqlite://")
        .trim_start_matches("sqlite:")
        .split('?')
        .next()
        .unwrap_or_default();
    if path.is_empty() || path == ":memory:" {
        return Ok(());
    }
    if let Some(dir) = std::path::Path::new(path)
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
    {
        std::fs::create_dir_all(dir)
            .with_context(|| format!("cannot create data directory {}", dir.display()))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_never_reach_the_logs() {
        assert_eq!(
            redact("postgres://app:hunter2@db:5432/accounts"),
            "postgres://app:***@db:5432/accounts"
        );
        assert_eq!(
            redact("sqlite://./data/a.db?mode=rwc"),
            "sqlite://./data/a.db?mode=rwc"
        );
    }
}
