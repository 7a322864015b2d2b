//! Starting and stopping the parts of Micromall.

use anyhow::{Context as _, bail};
use micromall_kit::config::Settings;
use micromall_kit::platform::{Platform, RunningSubgraph, shutdown_on_signal};
use micromall_kit::{SubgraphDef, db};

use std::sync::Arc;

use micromall_router::compose::SubgraphSdl;
use micromall_router::{Router, Supergraph};
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

use crate::cli::ReindexTarget;
use crate::cli::SandboxKind;
use crate::{compose_cmd, demo, router_cmd, subgraphs};

/// Everything in one process: every subgraph on its port, until SIGINT/SIGTERM.
///
/// On a signal the router stops first and drains the operations in flight; only then do
/// the subgraphs behind it (and the sandboxes) stop, so no accepted operation finds
/// its subgraphs gone.
pub async fn run_all(settings: Settings) -> anyhow::Result<()> {
    let stop_requested = shutdown_on_signal();
    let platform = Platform::new(settings, CancellationToken::new()).await?;
    let sandboxes = start_sandboxes(&platform.settings, None, platform.shutdown.clone()).await?;
    // Prepare every subgraph before starting any, so events published at start-up find
    // their consumers subscribed.
    let mut prepared = Vec::new();
    for def in subgraphs::ALL {
        prepared.push(platform.prepare(def, false).await?);
    }
    let shopping = if platform.settings.demo_data {
        demo::prepare(&prepared, platform.settings.router_listen).await?
    } else {
        None
    };
    let mut running = Vec::new();
    for subgraph in prepared {
        running.push(subgraph.start().await?);
    }
    for subgraph in &running {
        tracing::info!(subgraph = subgraph.name, url = %subgraph.graphql_url(), "ready");
    }
    let router = start_router(&platform, &running, stop_requested).await;
    if let Some(shopping) = shopping {
        tokio::spawn(async move {
            match shopping.run().await {
                Ok(reviews) => tracing::info!(
                    reviews,
                    "demo customers received their orders and reviewed them"
                ),
                Err(err) => {
                    tracing::warn!(error = %format!("{err:#}"), "demo customers did not finish shopping")
                }
            }
        });
    }
    let drained = match router {
        Ok(router) => router
            .await
            .context("router task panicked")
            .and_then(|r| r.context("the router failed")),
        Err(err) => Err(err),
    };
    platform.shutdown.cancel();
    let stopped = wait_all(running).await;
    wait_sandboxes(sandboxes).await?;
    drained.and(stopped)
}

type Sandbox = tokio::task::JoinHandle<std::io::Result<()>>;

/// The pretend third parties (both, or the one named): the payment sandbox on
/// `MICROMALL_SANDBOX_LISTEN` and the carrier sandbox on `MICROMALL_CARRIER_SANDBOX_LISTEN`.
async fn start_sandboxes(
    settings: &Settings,
    which: Option<SandboxKind>,
    shutdown: CancellationToken,
) -> anyhow::Result<Vec<(&'static str, Sandbox)>> {
    let mut started = Vec::new();
    if which != Some(SandboxKind::Carrier) {
        let listen = settings.payments.sandbox.listen;
        let listener = TcpListener::bind(listen)
            .await
            .with_context(|| format!("cannot listen on {listen} for the payment sandbox"))?;
        let secret = micromall_payments::sandbox_secret(settings)?;
        tracing::info!(addr = %listen, "payment sandbox listening");
        let behaviour = micromall_payments::sandbox::processor::Behaviour {
            delay: settings.payments.sandbox.callback_delay,
            ..Default::default()
        };
        started.push((
            "payment sandbox",
            tokio::spawn(micromall_payments::sandbox::processor::serve(
                listener,
                secret,
                behaviour,
                shutdown.clone(),
            )),
        ));
    }
    if which != Some(SandboxKind::Payments) {
        let listen = settings.shipping.sandbox.listen;
        let listener = TcpListener::bind(listen)
            .await
            .with_context(|| format!("cannot listen on {listen} for the carrier sandbox"))?;
        let secret = micromall_shipping::carrier_secret(settings)?;
        tracing::info!(addr = %listen, "carrier sandbox listening");
        let behaviour = micromall_shipping::sandbox::service::Behaviour {
            scan_interval: settings.shipping.sandbox.scan_interval,
            quirks: Default::default(),
            reports_scans: true,
        };
        started.push((
            "carrier sandbox",
            tokio::spawn(micromall_shipping::sandbox::service::serve(
                listener, secret, behaviour, shutdown,
            )),
        ));
    }
    Ok(started)
}

async fn wait_sandboxes(sandboxes: Vec<(&'static str, Sandbox)>) -> anyhow::Result<()> {
    for (name, sandbox) in sandboxes {
        sandbox
            .await
            .with_context(|| format!("{name} panicked"))?
            .with_context(|| format!("{name} failed"))?;
    }
    Ok(())
}

/// The sandboxes alone (distributed mode).
pub async fn run_sandboxes(settings: Settings, which: Option<SandboxKind>) -> anyhow::Result<()> {
    let sandboxes = start_sandboxes(&settings, which, shutdown_on_signal()).await?;
    wait_sandboxes(sandboxes).await
}

/// The router in front of the running subgraphs, on `MICROMALL_ROUTER_LISTEN`. The
/// supergraph is composed from the subgraphs' own SDL at their actual addresses.
async fn start_router(
    platform: &Platform,
    running: &[RunningSubgraph],
    shutdown: CancellationToken,
) -> anyhow::Result<tokio::task::JoinHandle<std::io::Result<()>>> {
    let subgraphs: Vec<SubgraphSdl> = running
        .iter()
        .filter_map(|r| subgraphs::find(r.name))
        .zip(running)
        .map(|(def, r)| SubgraphSdl {
            name: def.name.to_owned(),
            url: r.graphql_url(),
            sdl: (def.sdl)(),
        })
        .collect();
    let supergraph = Supergraph::parse(&compose_cmd::compose_or_explain(&subgraphs)?)?;
    let settings = &platform.settings;
    let router = Router::new(
        supergraph,
        router_cmd::router_config(settings),
        Some(router_cmd::authenticator(settings)?),
    );
    let listener = TcpListener::bind(settings.router_listen)
        .await
        .with_context(|| format!("cannot listen on {} for the router", settings.router_listen))?;
    tracing::info!(url = %format!("http://{}/graphql", settings.router_listen), "router ready");
    Ok(tokio::spawn(micromall_router::http::serve(
        listener,
        Arc::new(router),
        shutdown,
    )))
}

/// One subgraph alone (distributed mode).
pub async fn run_one(settings: Settings, name: &str) -> anyhow::Result<()> {
    let def = lookup(name)?;
    let platform = Platform::new(settings, shutdown_on_signal()).await?;
    let running = platform.prepare(def, true).await?.start().await?;
    tracing::info!(subgraph = running.name, url = %running.graphql_url(), "ready");
    wait_all(vec![running]).await
}

pub async fn migrate(settings: Settings, name: &str) -> anyhow::Result<()> {
    let def = lookup(name)?;
    let url = settings.database_url_for(def.name, true);
    let conn = db::open(&url).await?;
    (def.migrate)(&conn)
        .await
        .with_context(|| format!("migrating {} failed", db::redact(&url)))?;
    conn.close().await.ok();
    println!(
        "{}: database schema is up to date ({})",
        def.name,
        db::redact(&url)
    );
    Ok(())
}

/// Rebuilds a read model (`ReindexTarget`).
pub async fn reindex(settings: Settings, target: ReindexTarget) -> anyhow::Result<()> {
    match target {
        ReindexTarget::Search => reindex_search(settings).await,
        ReindexTarget::Insights => reindex_insights(settings).await,
    }
}

/// Replays the journal of events insights received into a fresh read model.
async fn reindex_insights(settings: Settings) -> anyhow::Result<()> {
    let def = lookup("insights")?;
    let url = settings.database_url_for(def.name, true);
    let conn = db::open(&url).await?;
    (def.migrate)(&conn).await?;
    let insights = micromall_insights::service::Insights::over(conn.clone(), &settings.currency);
    let replayed = insights.rebuild().await?;
    conn.close().await.ok();
    println!("insights replayed {replayed} events into a fresh read model");
    Ok(())
}

/// Has catalog announce every product again, for search to rebuild its index from.
pub async fn reindex_search(settings: Settings) -> anyhow::Result<()> {
    let def = lookup("catalog")?;
    let url = settings.database_url_for(def.name, true);
    let conn = db::open(&url).await?;
    (def.migrate)(&conn).await?;
    let catalog = micromall_catalog::service::Catalog {
        db: conn.clone(),
        outbox: micromall_kit::events::outbox::Outbox::default(),
        currency: settings.currency.clone(),
    };
    let announced = catalog
        .announce_all()
        .await
        .map_err(|e| anyhow::anyhow!("{e:?}"))?;
    conn.close().await.ok();
    println!("catalog announced {announced} products; search re-indexes them as the events arrive");
    Ok(())
}

pub fn print_schema(name: &str) -> anyhow::Result<()> {
    print!("{}", (lookup(name)?.sdl)());
    Ok(())
}

fn lookup(name: &str) -> anyhow::Result<&'static SubgraphDef> {
    match subgraphs::find(name) {
        Some(def) => Ok(def),
        None => bail!("unknown subgraph `{name}`; known: {}", subgraphs::names()),
    }
}

async fn wait_all(running: Vec<RunningSubgraph>) -> anyhow::Result<()> {
    let mut failures = Vec::new();
    for subgraph in running {
        let name = subgraph.name;
        if let Err(err) = subgraph.stopped().await {
            failures.push(format!("{name}: {err:#}"));
        }
    }
    if failures.is_empty() {
        tracing::info!("stopped cleanly");
        Ok(())
    } else {
        bail!("{}", failures.join("; "))
    }
}
