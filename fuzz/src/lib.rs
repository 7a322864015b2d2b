//! What the fuzz targets share: a subgraph running on SQLite for the whole fuzzing run, and
//! a way to send it one input over real HTTP.

use micromall_kit::SubgraphDef;
use micromall_kit::config::Settings;
use micromall_kit::testing::{Backend, TestDatabase, TestSubgraph, settings_for, start_subgraph};

pub struct Target {
    pub runtime: tokio::runtime::Runtime,
    pub http: reqwest::Client,
    pub subgraph: TestSubgraph,
}

impl Target {
    /// Starts `def` on a fresh SQLite database, with `tune` applied to its settings.
    pub fn start(def: &'static SubgraphDef, tune: impl FnOnce(&mut Settings)) -> Self {
        let runtime = tokio::runtime::Runtime::new().expect("runtime");
        let subgraph = runtime.block_on(async {
            let db = TestDatabase::create(Backend::Sqlite)
                .await
                .expect("database");
            let mut settings = settings_for(&db, def.name);
            tune(&mut settings);
            start_subgraph(def, settings).await
        });
        Self {
            runtime,
            http: reqwest::Client::new(),
            subgraph,
        }
    }
}
