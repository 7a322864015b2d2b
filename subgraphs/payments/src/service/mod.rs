//! Payments' use cases: paying an order (`pay`), staff refunds and the refund steps every
//! refund goes through (`refund`), refunds payments makes on its own (`money_back`), provider
//! callbacks (`callbacks`) and settling what a provider left unanswered (`reconcile`).
//! Resolvers, the webhook route, event handlers and the reconciler call these and only
//! translate.

mod callbacks;
mod money_back;
mod pay;
mod reconcile;
mod refund;

use std::collections::BTreeMap;
use std::sync::Arc;

use anyhow::Context as _;
use micromall_kit::auth::Viewer;
use micromall_kit::config::PaymentsSettings;
use micromall_kit::events::outbox::Outbox;
use micromall_kit::internal::InternalClient;
use micromall_kit::{ApiError, ApiResult, Runtime};
use sea_orm::{ConnectionTrait, DatabaseConnection, DbErr};
use uuid::Uuid;

use crate::entity::payment;
use crate::provider::PaymentProvider;
use crate::sandbox::adapter::SandboxProvider;
use crate::{SANDBOX_SECRET_FILE, rules, store};

pub use callbacks::Applied;
pub use pay::PayRequest;
pub use refund::RefundRequest;

pub struct Payments {
    db: DatabaseConnection,
    outbox: Outbox,
    /// Orders, reached through its internal endpoint.
    orders: InternalClient,
    providers: BTreeMap<&'static str, Arc<dyn PaymentProvider>>,
}

impl Payments {
    /// The service with its providers: the sandbox processor, calling back at
    /// `POST /webhooks/payments/sandbox`.
    pub fn open(runtime: &Runtime, settings: &PaymentsSettings) -> anyhow::Result<Self> {
        let sandbox_url = runtime
            .service_url("sandbox")
            .context("no URL for the payment sandbox")?;
        let own_url = runtime
            .service_url("payments")
            .context("no public URL for payments")?;
        let secret =
            runtime.shared_secret(settings.sandbox.secret.as_deref(), SANDBOX_SECRET_FILE)?;
        let sandbox: Arc<dyn PaymentProvider> = Arc::new(SandboxProvider::new(
            sandbox_url,
            secret,
            format!("{own_url}/webhooks/payments/sandbox"),
            settings.provider_timeout,
        ));
        Ok(Self {
            db: runtime.db.clone(),
            outbox: runtime.outbox.clone(),
            orders: runtime.internal_client(),
            providers: BTreeMap::from([(sandbox.name(), sandbox)]),
        })
    }

    pub fn provider(&self, name: &str) -> Option<&Arc<dyn PaymentProvider>> {
        self.providers.get(name)
    }

    /// One payment, if `viewer` may see it (a malformed id is no payment).
    pub async fn payment_seen_by(
        &self,
        viewer: &Viewer,
        id: &str,
    ) -> Result<Option<payment::Model>, DbErr> {
        let Ok(id) = Uuid::parse_str(id) else {
            return Ok(None);
        };
        let payment = store::payment(&self.db, id).await?;
        Ok(payment.filter(|p| rules::may_see(viewer, p)))
    }

    /// Every payment of these orders, oldest first (for batch loading).
    pub async fn payments_of_orders(
        &self,
        order_ids: &[Uuid],
    ) -> Result<Vec<payment::Model>, DbErr> {
        store::payments_of_orders(&self.db, order_ids).await
    }

    /// The payments among `payments` that `viewer` may see.
    pub fn seen_by(viewer: &Viewer, payments: Vec<payment::Model>) -> Vec<payment::Model> {
        payments
            .into_iter()
            .filter(|p| rules::may_see(viewer, p))
            .collect()
    }
}

/// A payment that must exist (an idempotency key or a refund names it).
async fn existing_payment(db: &impl ConnectionTrait, id: Uuid) -> ApiResult<payment::Model> {
    store::payment(db, id)
        .await?
        .ok_or_else(|| ApiError::internal(anyhow::anyhow!("payment {id} vanished")))
}
