//! Inventory's use cases: stock counts (`stock`) and holds on stock for orders (`holds`).
//! Resolvers, internal endpoints and event handlers call these and only translate.

mod holds;
mod stock;

use micromall_kit::Runtime;
use micromall_kit::internal::InternalClient;
use sea_orm::DatabaseConnection;
use uuid::Uuid;

use crate::store;

pub struct Inventory {
    pub db: DatabaseConnection,
    /// Asks catalog whether a variant exists.
    catalog: InternalClient,
    /// Where counts are set and returned goods go back to.
    default_warehouse: Uuid,
}

impl Inventory {
    pub async fn open(runtime: &Runtime) -> anyhow::Result<Self> {
        let default_warehouse = store::default_warehouse(&runtime.db)
            .await?
            .ok_or_else(|| anyhow::anyhow!("the default warehouse is missing"))?
            .id;
        Ok(Self {
            db: runtime.db.clone(),
            catalog: runtime.internal_client(),
            default_warehouse,
        })
    }
}
