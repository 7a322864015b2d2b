//! Reviews' use cases: writing a review once the product was received (`submit`), moderating
//! (`moderation`), helpful votes (`votes`) and reading reviews and ratings (`reads`).
//! Resolvers, the event handler and the demo seeding call these and only translate.

mod moderation;
mod reads;
mod submit;
mod votes;

use chrono::{DateTime, Utc};
use micromall_kit::Runtime;
use micromall_kit::events::outbox::Outbox;
use sea_orm::{DatabaseConnection, DatabaseTransaction, DbErr};

pub use reads::cursor_of;
pub use submit::NewReview;

pub struct Reviews {
    pub db: DatabaseConnection,
    /// Where rating changes are announced, in the transaction that makes them.
    outbox: Outbox,
}

impl Reviews {
    pub fn open(runtime: &Runtime) -> Self {
        Self {
            db: runtime.db.clone(),
            outbox: runtime.outbox.clone(),
        }
    }

    /// Commits a write and has its events sent at once.
    async fn commit(&self, txn: DatabaseTransaction) -> Result<(), DbErr> {
        txn.commit().await?;
        self.outbox.wake();
        Ok(())
    }
}

/// Now, as the database keeps it (PostgreSQL stores microseconds), so what a mutation
/// answers equals what a later read returns.
fn now() -> DateTime<Utc> {
    micromall_kit::db::as_stored(Utc::now())
}
