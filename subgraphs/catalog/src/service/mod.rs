//! Catalog's use cases: what admins write (`products`, `categories`), what the shop reads
//! (`shop`), and what other domains are told (`announcements`). Resolvers, internal
//! endpoints and the demo seeding call these and only translate.

mod announcements;
mod categories;
mod products;
mod shop;

use micromall_kit::events::outbox::Outbox;
use micromall_kit::{DomainError, Runtime, refuse};
use sea_orm::{ConnectionTrait, DatabaseConnection, DatabaseTransaction, DbErr};
use uuid::Uuid;

use crate::entity::{category, product};
use crate::refusal::Refusal;
use crate::store;

pub use products::{NewProduct, NewVariant, ProductChanges};

/// A category row, as seeding code receives it.
pub type CategoryModel = category::Model;

pub struct Catalog {
    pub db: DatabaseConnection,
    /// Where the events of a write are enqueued, in the write's transaction.
    pub outbox: Outbox,
    /// The shop's one currency: prices are checked against it and shown in it.
    pub currency: String,
}

impl Catalog {
    pub fn open(runtime: &Runtime) -> Self {
        Self {
            db: runtime.db.clone(),
            outbox: runtime.outbox.clone(),
            currency: runtime.currency().to_owned(),
        }
    }

    /// Commits a write and has its events sent at once.
    async fn commit(&self, txn: DatabaseTransaction) -> Result<(), DbErr> {
        txn.commit().await?;
        self.outbox.wake();
        Ok(())
    }
}

/// Any product, archived or not (for admins and for orders that hold it); `None` for an id
/// that is not one.
async fn product_in(
    conn: &impl ConnectionTrait,
    id: &str,
) -> Result<Option<product::Model>, DbErr> {
    match Uuid::parse_str(id) {
        Ok(id) => store::product(conn, id).await,
        Err(_) => Ok(None),
    }
}

/// The category an input names, if it names one; `missing` when there is no such category.
async fn named_category(
    conn: &impl ConnectionTrait,
    id: Option<&str>,
    missing: Refusal,
) -> Result<Option<Uuid>, DomainError<Refusal>> {
    let Some(id) = id else {
        return Ok(None);
    };
    match category_in(conn, id).await? {
        Some(category) => Ok(Some(category.id)),
        None => refuse(missing),
    }
}

async fn category_in(
    conn: &impl ConnectionTrait,
    id: &str,
) -> Result<Option<category::Model>, DbErr> {
    match Uuid::parse_str(id) {
        Ok(id) => store::category(conn, id).await,
        Err(_) => Ok(None),
    }
}
