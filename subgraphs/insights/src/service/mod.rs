//! Insights' use cases: taking in each event (`intake`), answering the figures (`figures`)
//! and rebuilding the read model from the journal of events (`rebuild`).

mod figures;
mod intake;
mod rebuild;

use micromall_kit::Runtime;
use sea_orm::DatabaseConnection;

pub use figures::Report;
pub use intake::{SUBJECTS, take_in};

pub struct Insights {
    pub db: DatabaseConnection,
    currency: String,
}

impl Insights {
    pub fn open(runtime: &Runtime) -> Self {
        Self {
            db: runtime.db.clone(),
            currency: runtime.currency().to_owned(),
        }
    }

    /// Over a database of insights' own (the `reindex` command).
    pub fn over(db: DatabaseConnection, currency: &str) -> Self {
        Self {
            db,
            currency: currency.to_owned(),
        }
    }

    pub fn currency(&self) -> &str {
        &self.currency
    }
}
