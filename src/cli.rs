//! The command line.

use std::path::PathBuf;

use clap::{Parser, Subcommand};

/// Micromall: an e-commerce backend served as one federated GraphQL supergraph.
///
/// With no subcommand, runs everything in one process on localhost with embedded storage
/// (SQLite under MICROMALL_DATA_DIR). Settings come from MICROMALL_* environment variables
/// and the optional --config TOML file; see the README.
#[derive(Debug, Parser)]
#[command(name = "micromall", version, about, long_about)]
pub struct Cli {
    /// A TOML file with settings (environment variables override it).
    #[arg(long, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,

    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run one subgraph alone (distributed mode). Its database comes from
    /// MICROMALL_<NAME>_DATABASE_URL or DATABASE_URL.
    Subgraph {
        /// The subgraph to run, e.g. `accounts`.
        name: String,
    },
    /// Bring one subgraph's database schema up to date, then exit.
    Migrate {
        /// The subgraph whose database to migrate, e.g. `accounts`.
        name: String,
    },
    /// Print one subgraph's SDL as it publishes it through `_service { sdl }`.
    PrintSchema {
        /// The subgraph whose schema to print, e.g. `accounts`.
        name: String,
    },
    /// Rebuild a read model. `search` (the default): catalog announces every product again
    /// and search re-indexes them (at once if Micromall is running, else at its next start).
    /// `insights`: the back office's figures are rebuilt from the journal of events insights
    /// received (run it with insights stopped).
    Reindex {
        #[arg(value_enum, default_value = "search")]
        target: ReindexTarget,
    },
    /// Copy the embedded mode's data into DIR while Micromall runs: every subgraph's SQLite
    /// database (a consistent snapshot of each) and the generated secrets. For PostgreSQL,
    /// use pg_dump per subgraph database.
    Backup {
        /// A new or empty directory.
        dir: PathBuf,
    },
    /// Restore a backup made by `micromall backup` into an empty MICROMALL_DATA_DIR; search
    /// rebuilds its index at the next start.
    Restore {
        /// The backup's directory.
        dir: PathBuf,
    },
    /// Events that consumers could not handle after every retry (dead letters).
    Events {
        #[command(subcommand)]
        action: EventsAction,
    },
    /// Run the sandboxes alone (both unless one is named): the payment sandbox, a pretend
    /// card processor on MICROMALL_SANDBOX_LISTEN that calls payments back (signed with
    /// MICROMALL_SANDBOX_SECRET), and the carrier sandbox, a pretend parcel carrier on
    /// MICROMALL_CARRIER_SANDBOX_LISTEN that reports tracking scans to shipping (signed with
    /// MICROMALL_CARRIER_SANDBOX_SECRET).
    Sandbox {
        #[arg(value_enum)]
        which: Option<SandboxKind>,
    },
    /// Compose subgraph SDLs into a supergraph (printed, or written with --output).
    Compose {
        /// A subgraph as NAME=URL (its SDL is read from the running subgraph's
        /// `_service { sdl }`) or NAME=URL=FILE (SDL read from FILE). Repeatable.
        #[arg(long = "subgraph", value_name = "NAME=URL[=FILE]")]
        subgraphs: Vec<String>,
        /// Compose Micromall's own subgraphs, at the addresses the settings give them.
        #[arg(long, conflicts_with = "subgraphs")]
        micromall: bool,
        /// Write the supergraph to this file instead of printing it.
        #[arg(long, value_name = "FILE")]
        output: Option<PathBuf>,
        /// With --micromall: write `subgraphs/<name>.graphql` and `supergraph.graphql` into
        /// this directory (the checked-in `schema/`).
        #[arg(long, value_name = "DIR", requires = "micromall")]
        write_schema_dir: Option<PathBuf>,
    },
    /// Run the federation router in front of the subgraphs a supergraph names, on
    /// MICROMALL_ROUTER_LISTEN.
    Router {
        /// The supergraph SDL (Apollo format, join v0.3 to v0.5).
        #[arg(long, global = true, value_name = "FILE")]
        supergraph: Option<PathBuf>,
        #[command(subcommand)]
        action: Option<RouterAction>,
    },
}

/// One of the pretend third parties.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum SandboxKind {
    Payments,
    Carrier,
}

#[derive(Debug, Subcommand)]
pub enum RouterAction {
    /// Print what a request would run instead of serving: the query plan, the fields
    /// authorization leaves out, and the estimated cost. A refused request prints its code
    /// and exits non-zero.
    Plan {
        /// The operation (GraphQL text, or @FILE to read it from a file).
        query: String,
        /// Which operation of the document to plan.
        #[arg(long)]
        operation_name: Option<String>,
        /// The variables, as a JSON object.
        #[arg(long, value_name = "JSON")]
        variables: Option<String>,
        /// An access token: plan as the caller it names (sent as `Authorization: Bearer`).
        #[arg(long, env = "MICROMALL_TOKEN", hide_env_values = true)]
        token: Option<String>,
    },
}

#[derive(Debug, Subcommand)]
pub enum EventsAction {
    /// List the dead letters of every subgraph's database (SQLite files under
    /// MICROMALL_DATA_DIR, or each MICROMALL_<NAME>_DATABASE_URL).
    DeadLetters,
    /// Retry one dead letter: it becomes due again with its attempts reset, and the running
    /// subgraph (or its next start) handles it.
    Replay {
        /// The dead letter's id, as `events dead-letters` lists it.
        id: String,
    },
}

/// What `micromall reindex` rebuilds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ReindexTarget {
    Search,
    Insights,
}
