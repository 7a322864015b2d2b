//! Orders' use cases: placing an order (`checkout`), its status changes after that
//! (`lifecycle`: cancellation, payment events, the payment timeout; `fulfilment`: shipments
//! and delivery) and reading orders (`reads`). Resolvers, internal endpoints, event handlers and the sweeper call these and
//! only translate.

mod checkout;
mod fulfilment;
mod lifecycle;
mod reads;

use std::time::Duration;

pub use checkout::CheckoutRequest;
use micromall_kit::Runtime;
use micromall_kit::config::OrdersSettings;
use micromall_kit::events::outbox::Outbox;
use micromall_kit::internal::InternalClient;
use sea_orm::DatabaseConnection;

pub struct Orders {
    db: DatabaseConnection,
    outbox: Outbox,
    /// Cart, catalog and inventory, reached through their internal endpoints.
    services: InternalClient,
    currency: String,
    pub payment_timeout: Duration,
    /// Open unpaid orders one customer may have (`[orders] max_pending_per_customer`).
    max_pending_per_customer: u32,
}

impl Orders {
    pub fn open(runtime: &Runtime) -> Self {
        let settings = runtime.section::<OrdersSettings>();
        Self {
            db: runtime.db.clone(),
            outbox: runtime.outbox.clone(),
            services: runtime.internal_client(),
            currency: runtime.currency().to_owned(),
            payment_timeout: settings.payment_timeout,
            max_pending_per_customer: settings.max_pending_per_customer,
        }
    }
}
