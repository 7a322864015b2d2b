//! Inventory's use cases: stock counts (`stock`) and holds on stock for orders (`holds`).
//! Resolvers, internal endpoints and event handlers call these and only translate.

mod holds;
mod stock;

use chrono::{DateTime, Utc};
use micromall_kit::Runtime;
use micromall_kit::contracts::inventory::{STOCK_CHANGED, StockChanged};
use micromall_kit::events::outbox::Outbox;
use micromall_kit::internal::InternalClient;
use sea_orm::{ConnectionTrait, DatabaseConnection, DbErr};
use uuid::Uuid;

use crate::store::{self, Movement};

pub struct Inventory {
    pub db: DatabaseConnection,
    /// Asks catalog whether a variant exists.
    catalog: InternalClient,
    /// Where counts are set and returned goods go back to.
    default_warehouse: Uuid,
    /// Where stock changes are announced, in the transaction that makes them.
    outbox: Outbox,
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
            outbox: runtime.outbox.clone(),
        })
    }

    /// Writes the movements to the ledger and announces each variant's new availability
    /// (`inventory.stock.changed`), in the caller's transaction.
    async fn record(
        &self,
        txn: &impl ConnectionTrait,
        movements: Vec<Movement>,
        now: DateTime<Utc>,
    ) -> Result<(), DbErr> {
        let mut latest: Vec<(Uuid, i64)> = Vec::new();
        for movement in &movements {
            let available = movement.on_hand_after - movement.reserved_after;
            match latest.iter_mut().find(|(v, _)| *v == movement.variant) {
                Some(entry) => entry.1 = available,
                None => latest.push((movement.variant, available)),
            }
        }
        store::record(txn, movements, now).await?;
        // Read now, under the variant's lock: a later change of the variant is stamped later,
        // whatever instant its caller started from.
        let at = Utc::now();
        for (variant_id, available) in latest {
            let change = StockChanged {
                variant_id,
                available,
                at,
            };
            self.outbox.enqueue(txn, STOCK_CHANGED, &change).await?;
        }
        Ok(())
    }
}
