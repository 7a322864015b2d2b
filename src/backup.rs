//! `micromall backup DIR` and `micromall restore DIR`, for the embedded mode: every subgraph's
//! SQLite database copied while Micromall runs (`VACUUM INTO`, a consistent snapshot of each
//! database), the generated secrets beside them, and a manifest. A restore goes into an
//! empty data directory; events published shortly before the copies began are sent again on
//! the next start (the copies are taken one after another, so one may show an event as
//! published that another had not taken in yet; inboxes drop what was already applied), and
//! catalog announces every product again so search rebuilds its index.
//!
//! The distributed mode's databases are PostgreSQL: back them up with `pg_dump` per subgraph
//! database (README, "Deploy").

use std::path::{Path, PathBuf};

use anyhow::{Context as _, bail, ensure};
use chrono::{DateTime, Duration, Utc};
use micromall_kit::config::Settings;
use micromall_kit::db;
use sea_orm::ConnectionTrait;
use serde::{Deserialize, Serialize};

use crate::subgraphs;

const MANIFEST: &str = "manifest.json";
const FORMAT: u32 = 1;
/// Events published this many minutes before a backup began are sent again after its
/// restore: longer than an event takes from one database's outbox into another's inbox.
const REPUBLISH_MARGIN_MINUTES: i64 = 5;

#[derive(Serialize, Deserialize)]
struct Manifest {
    format: u32,
    version: String,
    started_at: DateTime<Utc>,
    finished_at: DateTime<Utc>,
    databases: Vec<String>,
}

pub async fn backup(settings: &Settings, dir: &Path) -> anyhow::Result<()> {
    if dir.exists() {
        let empty = std::fs::read_dir(dir)
            .with_context(|| format!("cannot read {}", dir.display()))?
            .next()
            .is_none();
        ensure!(
            empty,
            "{} is not empty: back up into a new directory",
            dir.display()
        );
    }
    create_private_dir(dir)?;
    let started_at = Utc::now();
    let mut databases = Vec::new();
    for def in subgraphs::ALL {
        let Some(source) = sqlite_file(settings, def.name)? else {
            continue;
        };
        if !source.exists() {
            continue; // a subgraph that never ran has nothing to keep
        }
        let target = dir.join(format!("{}.db", def.name));
        let target_text = target
            .to_str()
            .context("the backup directory's path is not UTF-8")?;
        let conn = db::open(&settings.database_url_for(def.name, false)).await?;
        conn.execute_unprepared(&format!(
            "VACUUM INTO '{}'",
            target_text.replace('\'', "''")
        ))
        .await
        .with_context(|| format!("cannot copy {}'s database", def.name))?;
        conn.close().await.ok();
        make_private(&target)?;
        databases.push(def.name.to_owned());
    }
    ensure!(
        !databases.is_empty(),
        "no database under {}: nothing to back up",
        settings.data_dir.display()
    );
    copy_secrets(&settings.data_dir.join("secrets"), &dir.join("secrets"))?;
    let manifest = Manifest {
        format: FORMAT,
        version: env!("CARGO_PKG_VERSION").to_owned(),
        started_at,
        finished_at: Utc::now(),
        databases,
    };
    std::fs::write(dir.join(MANIFEST), serde_json::to_vec_pretty(&manifest)?)?;
    println!(
        "backed up {} databases and the secrets into {}",
        manifest.databases.len(),
        dir.display()
    );
    Ok(())
}

pub async fn restore(settings: &Settings, dir: &Path) -> anyhow::Result<()> {
    let manifest: Manifest = serde_json::from_slice(
        &std::fs::read(dir.join(MANIFEST))
            .with_context(|| format!("{} holds no {MANIFEST}: not a backup", dir.display()))?,
    )
    .context("the backup's manifest is unreadable")?;
    ensure!(
        manifest.format == FORMAT,
        "backup format {} is not one this version reads ({FORMAT})",
        manifest.format
    );
    // Check everything before writing anything.
    let mut copies = Vec::new();
    for name in &manifest.databases {
        ensure!(
            subgraphs::find(name).is_some(),
            "the backup holds an unknown database `{name}`"
        );
        let Some(target) = sqlite_file(settings, name)? else {
            bail!("{name}'s database is not SQLite here: restore into the embedded mode");
        };
        ensure!(
            !target.exists(),
            "{} exists: restore into an empty data directory (move the current one away first)",
            target.display()
        );
        let source = dir.join(format!("{name}.db"));
        ensure!(source.exists(), "the backup lacks {}", source.display());
        copies.push((name, source, target));
    }
    create_private_dir(&settings.data_dir)?;
    for (_, source, target) in &copies {
        std::fs::copy(source, target)
            .with_context(|| format!("cannot write {}", target.display()))?;
        make_private(target)?;
    }
    copy_secrets(&dir.join("secrets"), &settings.data_dir.join("secrets"))?;

    let since = manifest.started_at - Duration::minutes(REPUBLISH_MARGIN_MINUTES);
    let mut resent = 0;
    for (name, _, _) in &copies {
        let conn = db::open(&settings.database_url_for(name, false)).await?;
        if has_outbox(&conn).await? {
            resent += micromall_kit::events::outbox::republish_since(&conn, since).await?;
        }
        conn.close().await.ok();
    }
    crate::launcher::reindex_search(settings.clone()).await?;
    println!(
        "restored {} databases and the secrets into {} (backup of {}); {resent} events will be sent again at start",
        copies.len(),
        settings.data_dir.display(),
        manifest.started_at
    );
    Ok(())
}

/// The SQLite file of `subgraph` in this configuration; `None` when its database is elsewhere.
fn sqlite_file(settings: &Settings, subgraph: &str) -> anyhow::Result<Option<PathBuf>> {
    let url = settings.database_url_for(subgraph, false);
    let expected = settings.data_dir.join(format!("{subgraph}.db"));
    if url == format!("sqlite://{}?mode=rwc", expected.display()) {
        return Ok(Some(expected));
    }
    if url.starts_with("sqlite:") {
        bail!("{subgraph}'s SQLite database is configured outside the data directory");
    }
    Ok(None)
}

async fn has_outbox(conn: &sea_orm::DatabaseConnection) -> anyhow::Result<bool> {
    let row = conn
        .query_one_raw(sea_orm::Statement::from_string(
            conn.get_database_backend(),
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'outbox'",
        ))
        .await?;
    Ok(row.is_some())
}

/// Copies the files of the secrets directory (if there is one), readable by the owner only.
fn copy_secrets(from: &Path, to: &Path) -> anyhow::Result<()> {
    if !from.exists() {
        return Ok(());
    }
    create_private_dir(to)?;
    for entry in std::fs::read_dir(from)? {
        let entry = entry?;
        if entry.file_type()?.is_file() {
            let target = to.join(entry.file_name());
            std::fs::copy(entry.path(), &target)?;
            make_private(&target)?;
        }
    }
    Ok(())
}

fn create_private_dir(dir: &Path) -> anyhow::Result<()> {
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    set_mode(dir, 0o700)
}

fn make_private(file: &Path) -> anyhow::Result<()> {
    set_mode(file, 0o600)
}

#[cfg(unix)]
fn set_mode(path: &Path, mode: u32) -> anyhow::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))
        .with_context(|| format!("cannot restrict {}", path.display()))
}

#[cfg(not(unix))]
fn set_mode(_: &Path, _: u32) -> anyhow::Result<()> {
    Ok(())
}
