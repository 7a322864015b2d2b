//! Database connections: SQLite (embedded) or PostgreSQL (distributed), chosen by URL.
//!
//! SQLite runs in WAL mode with a small pool and a busy timeout, and every write transaction
//! begins IMMEDIATE: a deferred transaction that reads and then writes can fail with
//! "database is locked" no matter the timeout. Its files hold password hashes and tokens, so
//! they are the owner's alone (0600, in a 0700 directory when we create it).

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
        prepare_sqlite_files(url)?;
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
    migrate::<M>(&db)
        .await
        .with_context(|| format!("migrating {} failed", redact(url)))?;
    Ok(db)
}

/// Applies what `M` has that the database lacks.
///
/// A database a newer release has already migrated is left as it is, provided every
/// migration this release knows is applied: migrations only expand (helm/micromall/README.md),
/// so the release before runs on the newer schema, and a rollback needs no down-migration.
pub async fn migrate<M: MigratorTrait>(db: &DatabaseConnection) -> Result<(), DbErr> {
    M::install(db).await?;
    let applied: std::collections::HashSet<String> = M::get_migration_models(db)
        .await?
        .into_iter()
        .map(|m| m.version)
        .collect();
    let known: Vec<String> = M::migrations()
        .iter()
        .map(|m| m.name().to_owned())
        .collect();
    let newer = applied.iter().filter(|v| !known.contains(v)).count();
    if newer == 0 {
        return M::up(db, None).await;
    }
    let missing: Vec<&String> = known.iter().filter(|k| !applied.contains(*k)).collect();
    if !missing.is_empty() {
        return Err(DbErr::Custom(format!(
            "the database holds {newer} migration(s) of another release but lacks {missing:?}: \
             it belongs to a different line of releases"
        )));
    }
    tracing::warn!(
        newer,
        "the database was migrated by a newer release; running on its expanded schema"
    );
    Ok(())
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

/// An instant as the database keeps it: PostgreSQL stores microseconds, so a value written
/// cut to them compares equal to what a later read returns.
pub fn as_stored(at: chrono::DateTime<chrono::Utc>) -> chrono::DateTime<chrono::Utc> {
    use chrono::SubsecRound;
    at.trunc_subsecs(6)
}

/// Whether a write failed on a unique constraint (a race lost to another writer).
pub fn is_unique_violation(err: &DbErr) -> bool {
    matches!(err.sql_err(), Some(SqlErr::UniqueConstraintViolation(_)))
}

/// A unique constraint a domain maps to what the client sent: named as PostgreSQL reports
/// it (`products_slug_key`) and as SQLite does (`products.slug`).
pub struct UniqueKey<T> {
    pub postgres: &'static str,
    pub sqlite: &'static str,
    pub means: T,
}

/// Which of `keys` a write violated, if it failed on one of them.
pub fn violated<'a, T>(err: &DbErr, keys: &'a [UniqueKey<T>]) -> Option<&'a T> {
    let Some(SqlErr::UniqueConstraintViolation(detail)) = err.sql_err() else {
        return None;
    };
    keys.iter()
        .find(|key| {
            detail.contains(&format!("\"{}\"", key.postgres))
                || detail
                    .rsplit(": ")
                    .next()
                    .is_some_and(|columns| columns.split(", ").any(|c| c == key.sqlite))
        })
        .map(|key| &key.means)
}

/// Checks that the database answers (readiness).
pub async fn ping(db: &DatabaseConnection) -> bool {
    db.execute_unprepared("SELECT 1").await.is_ok()
}

/// A URL fit for logs and error messages: the password (or a lone token, as in
/// `nats://token@host`) and secret-looking query parameters are hidden. A comma-separated
/// list of servers (`NATS_URL`) is redacted URL by URL.
pub fn redact(url: &str) -> String {
    let mut urls: Vec<String> = Vec::new();
    for part in url.split(',') {
        match urls.last_mut() {
            // A comma inside a password, not between URLs.
            Some(previous) if !part.contains("://") => {
                previous.push(',');
                previous.push_str(part);
            }
            _ => urls.push(part.to_owned()),
        }
    }
    urls.iter()
        .map(|one| redact_one(one))
        .collect::<Vec<_>>()
        .join(",")
}

fn redact_one(url: &str) -> String {
    let Some(scheme_end) = url.find("://").map(|i| i + 3) else {
        return url.to_owned();
    };
    let (base, query) = match url.split_once('?') {
        Some((base, query)) => (base, Some(query)),
        None => (url, None),
    };
    let mut out = match base[scheme_end.min(base.len())..].rfind('@') {
        Some(at) => {
            let at = scheme_end + at;
            let userinfo = match url[scheme_end..at].split_once(':') {
                Some((user, _password)) => format!("{user}:***"),
                None => "***".to_owned(),
            };
            format!("{}{userinfo}{}", &url[..scheme_end], &base[at..])
        }
        None => base.to_owned(),
    };
    if let Some(query) = query {
        let params: Vec<String> = query
            .split('&')
            .map(|param| match param.split_once('=') {
                Some((name, _)) if is_secret_param(name) => format!("{name}=***"),
                _ => param.to_owned(),
            })
            .collect();
        out.push('?');
        out.push_str(&params.join("&"));
    }
    out
}

fn is_secret_param(name: &str) -> bool {
    let name = name.to_ascii_lowercase();
    ["password", "pass", "token", "secret", "key", "auth"]
        .iter()
        .any(|word| name.contains(word))
}

/// Creates the database file's directory and the file itself readable by the owner only
/// (SQLite gives `-wal` and `-shm` the main file's mode), and narrows files an older version
/// left readable by everyone.
fn prepare_sqlite_files(url: &str) -> anyhow::Result<()> {
    let path = url
        .trim_start_matches("sqlite://")
        .trim_start_matches("sqlite:")
        .split('?')
        .next()
        .unwrap_or_default();
    if path.is_empty() || path == ":memory:" {
        return Ok(());
    }
    let path = std::path::Path::new(path);
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        create_private_dir(dir)
            .with_context(|| format!("cannot create data directory {}", dir.display()))?;
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
        std::fs::OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(false)
            .mode(0o600)
            .open(path)
            .with_context(|| format!("cannot create database file {}", path.display()))?;
        for suffix in ["", "-wal", "-shm"] {
            let file = std::path::PathBuf::from(format!("{}{suffix}", path.display()));
            if file.exists() {
                std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o600))
                    .with_context(|| format!("cannot restrict {}", file.display()))?;
            }
        }
    }
    Ok(())
}

/// Creates `dir` and its missing parents accessible to the owner only (directories that
/// exist already are left as they are).
pub fn create_private_dir(dir: &std::path::Path) -> std::io::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(0o700);
    }
    builder.create(dir)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    #[test]
    fn passwords_never_reach_the_logs() {
        for (url, shown) in [
            (
                "postgres://app:hunter2@db:5432/accounts",
                "postgres://app:***@db:5432/accounts",
            ),
            ("redis://:hunter2@cache:6379/0", "redis://:***@cache:6379/0"),
            (
                "rediss://default:hun@ter2@cache",
                "rediss://default:***@cache",
            ),
            ("nats://hunter2@bus:4222", "nats://***@bus:4222"),
            (
                "nats://app:hunter2@a:4222,nats://app:hun,ter2@b:4222",
                "nats://app:***@a:4222,nats://app:***@b:4222",
            ),
            (
                "postgres://db/accounts?sslmode=require&password=hunter2",
                "postgres://db/accounts?sslmode=require&password=***",
            ),
            (
                "postgres://app@db/accounts?user=a@b",
                "postgres://***@db/accounts?user=a@b",
            ),
            (
                "sqlite://./data/a.db?mode=rwc",
                "sqlite://./data/a.db?mode=rwc",
            ),
            ("not a url", "not a url"),
        ] {
            let redacted = redact(url);
            assert_eq!(redacted, shown, "{url}");
            assert!(!redacted.contains("hunter2"), "{url}");
        }
    }

    #[cfg(unix)]
    #[tokio::test]
    async fn sqlite_files_are_readable_by_their_owner_only() {
        use std::os::unix::fs::PermissionsExt;
        let dir = std::env::temp_dir()
            .join(format!("mm-perm-{}", uuid::Uuid::now_v7().simple()))
            .join("data");
        let db_path = dir.join("accounts.db");
        let db = open(&format!("sqlite://{}?mode=rwc", db_path.display()))
            .await
            .unwrap();
        db.execute_unprepared("CREATE TABLE t (secret TEXT); INSERT INTO t VALUES ('hash')")
            .await
            .unwrap();
        let mode = |path: &std::path::Path| {
            std::fs::metadata(path)
                .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
                .permissions()
                .mode()
                & 0o777
        };
        for suffix in ["", "-wal", "-shm"] {
            let file = PathBuf::from(format!("{}{suffix}", db_path.display()));
            assert_eq!(mode(&file), 0o600, "{}", file.display());
        }
        assert_eq!(mode(&dir), 0o700);
        db.close().await.ok();

        // A file an older version left world-readable is narrowed on the next start.
        std::fs::set_permissions(&db_path, std::fs::Permissions::from_mode(0o644)).unwrap();
        let db = open(&format!("sqlite://{}?mode=rwc", db_path.display()))
            .await
            .unwrap();
        assert_eq!(mode(&db_path), 0o600);
        db.close().await.ok();
        std::fs::remove_dir_all(dir.parent().unwrap()).ok();
    }
}
