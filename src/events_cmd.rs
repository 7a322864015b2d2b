//! `micromall events`: the dead letters of every subgraph's database, and replaying one.
//!
//! Each subgraph keeps its consumers' dead letters in its own database; these commands open
//! every database the settings name (a SQLite file that does not exist yet has none) and
//! bring it up to date, as `reindex` does, before reading it.

use anyhow::{Context as _, bail};
use micromall_kit::config::Settings;
use micromall_kit::db;
use micromall_kit::events::retries::{self, DeadLetter};
use sea_orm::DatabaseConnection;
use uuid::Uuid;

use crate::cli::EventsAction;
use crate::subgraphs;

pub async fn run(settings: &Settings, action: EventsAction) -> anyhow::Result<()> {
    match action {
        EventsAction::DeadLetters => list(settings).await,
        EventsAction::Replay { id } => replay(settings, &id).await,
    }
}

async fn list(settings: &Settings) -> anyhow::Result<()> {
    let mut all: Vec<(&str, DeadLetter)> = Vec::new();
    for (name, conn) in databases(settings).await? {
        let found = retries::dead_letters(&conn).await;
        conn.close().await.ok();
        all.extend(
            found
                .with_context(|| format!("cannot read the dead letters of {name}"))?
                .into_iter()
                .map(|d| (name, d)),
        );
    }
    if all.is_empty() {
        println!("no dead letters");
        return Ok(());
    }
    println!("ID\tSUBGRAPH\tCONSUMER\tSUBJECT\tEVENT\tATTEMPTS\tDEAD SINCE\tLAST ERROR");
    for (subgraph, d) in all {
        println!(
            "{}\t{subgraph}\t{}\t{}\t{}\t{}\t{}\t{}",
            d.id,
            d.consumer,
            d.subject,
            d.event_id,
            d.attempts,
            d.dead_since.to_rfc3339(),
            d.last_error.replace(['\n', '\t'], " "),
        );
    }
    Ok(())
}

async fn replay(settings: &Settings, id: &str) -> anyhow::Result<()> {
    let Ok(id) = Uuid::parse_str(id.trim()) else {
        bail!("`{id}` is not a dead letter id (see `micromall events dead-letters`)");
    };
    for (name, conn) in databases(settings).await? {
        let replayed = retries::replay(&conn, id).await;
        conn.close().await.ok();
        if replayed.with_context(|| format!("cannot replay in the {name} database"))? {
            println!(
                "dead letter {id} of {name} is due again: the running subgraph retries it now, or at its next start"
            );
            return Ok(());
        }
    }
    bail!("there is no dead letter {id}")
}

/// Every subgraph's database that exists, migrated.
async fn databases(settings: &Settings) -> anyhow::Result<Vec<(&'static str, DatabaseConnection)>> {
    let mut open = Vec::new();
    for def in subgraphs::ALL {
        let url = settings.database_url_for(def.name, false);
        if let Some(path) = url.strip_prefix("sqlite://") {
            let file = path.split('?').next().unwrap_or_default();
            if !std::path::Path::new(file).exists() {
                continue;
            }
        }
        let conn = db::open(&url).await?;
        (def.migrate)(&conn)
            .await
            .with_context(|| format!("migrating {} failed", db::redact(&url)))?;
        open.push((def.name, conn));
    }
    Ok(open)
}
