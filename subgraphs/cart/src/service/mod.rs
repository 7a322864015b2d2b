//! Cart's use cases: what the customer sees (`view`), changing lines (`lines`) and coupons
//! (`coupons`), guests' carts and merging them at sign-in (`guests`), and what checkout reads
//! and clears (`checkout`). Each takes the cart's owner: a customer, or a guest's made-up id. Resolvers, internal handlers
//! and event handlers call these and only translate.
//!
//! A change asks catalog and inventory first, outside any transaction, then applies itself
//! in one write transaction that locks the cart, moves it to its next version and stamps the
//! changed line with that version. Prices are read from catalog after the commit.

mod checkout;
mod coupons;
mod guests;
mod lines;
mod view;

use micromall_kit::contracts::cart::{CREATED, CartCreated};
use micromall_kit::events::outbox::Outbox;
use micromall_kit::outcome::Verdict;
use micromall_kit::{DomainError, Runtime};
use sea_orm::{ConnectionTrait, DatabaseConnection, DbErr};
use uuid::Uuid;

use crate::entity::{cart, cart_line};
use crate::pricing::PricedCart;
use crate::refusal::Refusal;
use crate::remote;
use crate::store;

pub use checkout::clear_in;

pub struct Carts {
    pub db: DatabaseConnection,
    catalog: remote::Catalog,
    inventory: remote::Inventory,
    marketing: remote::Marketing,
    /// Where new carts are announced, in the transaction that makes them.
    outbox: Outbox,
    /// Counts guest carts started per client address.
    counters: std::sync::Arc<dyn micromall_kit::counters::Counters>,
    guests: micromall_kit::config::CartSettings,
    /// The shop currency carts are priced in.
    currency: String,
}

impl Carts {
    pub fn open(runtime: &Runtime) -> Self {
        let client = runtime.internal_client();
        let currency = runtime.currency().to_owned();
        Self {
            db: runtime.db.clone(),
            catalog: remote::Catalog {
                client: client.clone(),
                currency: currency.clone(),
            },
            inventory: remote::Inventory {
                client: client.clone(),
            },
            marketing: remote::Marketing { client },
            outbox: runtime.outbox.clone(),
            counters: runtime.counters.clone(),
            guests: runtime
                .section::<micromall_kit::config::CartSettings>()
                .clone(),
            currency,
        }
    }
}

/// What a change answers: the changed cart, priced now.
pub type Change = Result<PricedCart, DomainError<Refusal>>;

/// A cart and its lines as one transaction saw them.
struct CartState {
    cart: cart::Model,
    lines: Vec<cart_line::Model>,
}

/// The user's cart, locked until the transaction ends; `missing` when they have none.
async fn locked_cart(
    conn: &impl ConnectionTrait,
    user: Uuid,
    missing: Refusal,
) -> Result<cart::Model, DomainError<Refusal>> {
    store::lock_cart_of_user(conn, user)
        .await?
        .ok_or(missing)
        .or_refuse()
}

impl Carts {
    /// The owner's cart, made on their first change (and announced), locked until the
    /// transaction ends.
    async fn own_cart(
        &self,
        conn: &impl ConnectionTrait,
        owner: Uuid,
    ) -> Result<cart::Model, DomainError<Refusal>> {
        if let Some(cart_id) = store::ensure_cart(conn, owner).await? {
            let made = CartCreated {
                cart_id,
                // Guests' owner ids are random (v4); customers' are accounts' (v7).
                guest: owner.get_version_num() == 4,
            };
            self.outbox.enqueue(conn, CREATED, &made).await?;
        }
        locked_cart(conn, owner, Refusal::NoCart).await
    }
}

/// The cart as the transaction that changed it sees it, to answer the change with.
async fn state_of(conn: &impl ConnectionTrait, cart_id: Uuid) -> Result<CartState, DbErr> {
    let cart = store::cart_by_id(conn, cart_id)
        .await?
        .ok_or_else(|| DbErr::RecordNotFound(format!("cart {cart_id}")))?;
    let lines = store::lines_of(conn, cart_id).await?;
    Ok(CartState { cart, lines })
}

#[cfg(test)]
pub(crate) mod tests {
    use micromall_kit::testing::{Backend, TestDatabase};
    use micromall_migrations::cart::Migrator;
    use sea_orm::DatabaseConnection;

    /// A new, migrated cart database for a test of the use cases' queries.
    pub async fn database(backend: Backend) -> DatabaseConnection {
        let db = TestDatabase::create(backend).await.expect("test database");
        micromall_kit::db::connect::<Migrator>(&db.url)
            .await
            .expect("migrated")
    }
}
