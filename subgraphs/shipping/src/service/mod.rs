//! Shipping's use cases: zones, methods and quotes (`rates`), making shipments
//! (`shipments`), following parcels (`tracking`) and what the schema reads (`reads`).
//! Resolvers, the webhook route, internal endpoints and the sweeper call these and only
//! translate.

mod rates;
mod reads;
mod shipments;
mod tracking;

use std::collections::BTreeMap;
use std::sync::Arc;

use anyhow::Context as _;
use micromall_kit::Runtime;
use micromall_kit::config::ShippingSettings;
use micromall_kit::events::outbox::Outbox;
use micromall_kit::internal::InternalClient;
use sea_orm::DatabaseConnection;

use crate::CARRIER_SECRET_FILE;
use crate::carrier::Carrier;
use crate::sandbox::adapter::SandboxCarrier;

pub use rates::{MethodInput, ZoneView, bands_of};
pub use reads::ShipmentView;
pub use shipments::ShipRequest;
pub use tracking::{Applied, ManualScan};

pub struct Shipping {
    db: DatabaseConnection,
    outbox: Outbox,
    /// Orders and catalog, reached through their internal endpoints.
    services: InternalClient,
    carriers: BTreeMap<&'static str, Arc<dyn Carrier>>,
    currency: String,
}

impl Shipping {
    /// The service with its carriers: the sandbox carrier, calling back at
    /// `POST /webhooks/carriers/sandbox`.
    pub fn open(runtime: &Runtime) -> anyhow::Result<Self> {
        let settings = runtime.section::<ShippingSettings>();
        let sandbox_url = runtime
            .service_url("carrier_sandbox")
            .context("no URL for the carrier sandbox")?;
        let own_url = runtime
            .service_url("shipping")
            .context("no public URL for shipping")?;
        let secret =
            runtime.shared_secret(settings.sandbox.secret.as_deref(), CARRIER_SECRET_FILE)?;
        let sandbox: Arc<dyn Carrier> = Arc::new(SandboxCarrier::new(
            sandbox_url,
            secret,
            format!("{own_url}/webhooks/carriers/sandbox"),
            settings.carrier_timeout,
        ));
        Ok(Self {
            db: runtime.db.clone(),
            outbox: runtime.outbox.clone(),
            services: runtime.internal_client(),
            carriers: BTreeMap::from([(sandbox.name(), sandbox)]),
            currency: runtime.currency().to_owned(),
        })
    }

    pub fn carrier(&self, name: &str) -> Option<&Arc<dyn Carrier>> {
        self.carriers.get(name)
    }

    pub fn currency(&self) -> &str {
        &self.currency
    }
}
