//! One migrator per subgraph. Each service migrates only its own tables, in its own database;
//! the outbox and inbox tables every subgraph needs are shared migrations included in each.

pub mod accounts;
pub mod catalog;
pub mod search;
pub mod shared;

pub use sea_orm_migration::MigratorTrait;
