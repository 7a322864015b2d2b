//! Search's use cases: finding products (`products`) and keeping the index in step with
//! catalog and reviews (`indexing`).

mod indexing;
mod products;

use std::sync::Arc;

use micromall_kit::Runtime;
use micromall_kit::config::SearchSettings;
use sea_orm::DatabaseConnection;

pub use products::{Found, ProductQuery, SortBy};

use crate::store::SearchEngine;

pub struct Search {
    engine: Arc<dyn SearchEngine>,
    /// What search has learned and keeps (`store::learned`).
    db: DatabaseConnection,
    /// Index changes waiting for the next write (`indexing`).
    pending: tokio::sync::Mutex<indexing::Pending>,
    /// Held while pending changes are written, and by a rating change, which reads what
    /// was written.
    writing: tokio::sync::Mutex<()>,
}

impl Search {
    /// Search over Elasticsearch when `[search] elasticsearch_url` is set, else over a
    /// Tantivy index under the data directory.
    pub async fn open(runtime: &Runtime) -> anyhow::Result<Self> {
        let engine: Arc<dyn SearchEngine> = match &runtime
            .section::<SearchSettings>()
            .elasticsearch_url
        {
            #[cfg(feature = "elasticsearch")]
            Some(url) => Arc::new(
                crate::store::elasticsearch::ElasticsearchEngine::connect(
                    url,
                    "micromall-products",
                )
                .await?,
            ),
            #[cfg(not(feature = "elasticsearch"))]
            Some(_) => anyhow::bail!(
                "ELASTICSEARCH_URL is set but this build has no Elasticsearch backend (cargo feature `elasticsearch`)"
            ),
            None => {
                let dir = runtime.data_dir().join("search").join("index");
                Arc::new(crate::store::tantivy::Embedded(Arc::new(
                    crate::store::tantivy::TantivyEngine::open(&dir)?,
                )))
            }
        };
        Ok(Self {
            engine,
            db: runtime.db.clone(),
            pending: tokio::sync::Mutex::default(),
            writing: tokio::sync::Mutex::default(),
        })
    }
}
