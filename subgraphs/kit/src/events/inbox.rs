//! The consumer side's dedup record: an event's effect and its inbox row commit together.

use chrono::Utc;
use sea_orm::entity::prelude::*;
use sea_orm::{DatabaseConnection, DatabaseTransaction, Set};

use crate::db::{begin_write, is_unique_violation};

mod entity {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "inbox")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub consumer: String,
        #[sea_orm(primary_key, auto_increment = false)]
        pub event_id: Uuid,
        pub handled_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// Starts handling `event_id` for `consumer`: a write transaction that already holds the inbox
/// row, or `None` when the event was handled before. Apply the effect in the returned
/// transaction and commit it.
pub async fn begin_once(
    db: &DatabaseConnection,
    consumer: &str,
    event_id: Uuid,
) -> Result<Option<DatabaseTransaction>, DbErr> {
    let txn = begin_write(db).await?;
    let inserted = entity::ActiveModel {
        consumer: Set(consumer.to_owned()),
        event_id: Set(event_id),
        handled_at: Set(Utc::now()),
    }
    .insert(&txn)
    .await;
    match inserted {
        Ok(_) => Ok(Some(txn)),
        Err(err) if is_unique_violation(&err) => {
            txn.rollback().await?;
            Ok(None)
        }
        Err(err) => Err(err),
    }
}
