//! One migrator per subgraph. Each service migrates only its own tables, in its own database;
//! the outbox and inbox tables every subgraph needs are shared migrations included in each.

pub mod accounts;
pub mod cart;
pub mod catalog;
pub mod insights;
pub mod inventory;
pub mod marketing;
pub mod orders;
pub mod payments;
pub mod reviews;
pub mod search;
pub mod shared;
pub mod shipping;

pub use sea_orm_migration::MigratorTrait;
