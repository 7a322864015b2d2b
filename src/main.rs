mod backup;
mod cli;
mod compose_cmd;
mod demo;
mod events_cmd;
mod launcher;
mod router_cmd;
mod subgraphs;

use std::process::ExitCode;

use clap::Parser;
use micromall_kit::config::Settings;
use micromall_kit::telemetry;

use cli::{Cli, Command};

/// The router allocates many small, short-lived values per request (JSON trees, paths); under
/// load the system allocator spent about a third of the router's CPU time (see
/// router/BENCHMARKS.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli = Cli::parse();
    if let Some(Command::PrintSchema { name }) = &cli.command {
        return report(launcher::print_schema(name));
    }
    let settings = match Settings::load(cli.config.as_deref()) {
        Ok(settings) => settings,
        Err(err) => {
            eprintln!("micromall: {err}");
            return ExitCode::from(2);
        }
    };
    telemetry::install_crypto_provider();
    telemetry::init(settings.log_format);
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime,
        Err(err) => return report(Err(err.into())),
    };
    let outcome = runtime.block_on(async move {
        match cli.command {
            None => launcher::run_all(settings).await,
            Some(Command::Subgraph { name }) => launcher::run_one(settings, &name).await,
            Some(Command::Migrate { name }) => launcher::migrate(settings, &name).await,
            Some(Command::Reindex { target }) => launcher::reindex(settings, target).await,
            Some(Command::Backup { dir }) => backup::backup(&settings, &dir).await,
            Some(Command::Restore { dir }) => backup::restore(&settings, &dir).await,
            Some(Command::Sandbox { which }) => launcher::run_sandboxes(settings, which).await,
            Some(Command::Events { action }) => events_cmd::run(&settings, action).await,
            Some(Command::Compose {
                subgraphs,
                micromall,
                output,
                write_schema_dir,
            }) => {
                compose_cmd::run(
                    &settings,
                    &subgraphs,
                    micromall,
                    output.as_deref(),
                    write_schema_dir.as_deref(),
                )
                .await
            }
            Some(Command::Router { supergraph, action }) => {
                router_cmd::run(settings, supergraph.as_deref(), action).await
            }
            Some(Command::PrintSchema { .. }) => unreachable!("handled before start-up"),
        }
    });
    // Once drained, exit: a task still blocked on a connection (a client that never reads
    // its answer, a database call cut by the signal) must not hold the process past the
    // orchestrator's grace period.
    runtime.shutdown_timeout(std::time::Duration::from_secs(2));
    report(outcome)
}

fn report(result: anyhow::Result<()>) -> ExitCode {
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("micromall: {err:#}");
            ExitCode::FAILURE
        }
    }
}
