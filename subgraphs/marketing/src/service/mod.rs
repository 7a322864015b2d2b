//! Marketing's use cases: coupons (`coupons`), promotions (`promotions`), what both take off
//! a cart (`pricing`), the uses held against coupons' budgets (`uses`) and the home page
//! (`home`). Resolvers, the
//! internal endpoints and the event handler call these and only translate.

mod coupons;
mod home;
mod pricing;
mod promotions;
mod uses;

use chrono::{DateTime, Utc};
use micromall_kit::Runtime;
use micromall_kit::config::MarketingSettings;
use micromall_kit::contracts::catalog;
use micromall_kit::internal::InternalClient;
use micromall_kit::outcome::DomainError;
use sea_orm::DatabaseConnection;
use uuid::Uuid;

use crate::refusal::Refusal;
use crate::rules::pricing::Scope;

pub use coupons::{CouponChanges, NewCoupon};
pub use home::{
    CatalogProduct, HomeCache, Shared, placed_in, product_archived_in, product_known_in, sold_in,
    unsold_in,
};
pub use promotions::NewPromotion;
pub use uses::{release_in, used_in};

pub type Done<T> = Result<T, DomainError<Refusal>>;

pub struct Marketing {
    pub(crate) db: DatabaseConnection,
    /// Catalog, asked whether the categories and products an offer names exist.
    services: InternalClient,
    currency: String,
    /// A held use older than this is checked with orders (`settle_stale_holds`).
    hold_check_after: chrono::TimeDelta,
    /// The shared part of the home page.
    pub home_cache: HomeCache,
}

impl Marketing {
    pub fn open(runtime: &Runtime) -> Self {
        Self {
            db: runtime.db.clone(),
            services: runtime.internal_client(),
            currency: runtime.currency().to_owned(),
            hold_check_after: chrono::TimeDelta::from_std(
                runtime.section::<MarketingSettings>().hold_check_after,
            )
            .unwrap_or(chrono::TimeDelta::MAX),
            home_cache: HomeCache::default(),
        }
    }

    pub fn currency(&self) -> &str {
        &self.currency
    }

    /// The scope named by the ids as sent, once catalog confirms each exists.
    async fn scope(&self, categories: &[String], products: &[String]) -> Done<Scope> {
        let parse = |ids: &[String], missing: Refusal| -> Result<Vec<Uuid>, Refusal> {
            let mut parsed = ids
                .iter()
                .map(|id| Uuid::parse_str(id).map_err(|_| missing.clone()))
                .collect::<Result<Vec<_>, _>>()?;
            parsed.sort_unstable();
            parsed.dedup();
            Ok(parsed)
        };
        let scope = Scope {
            categories: parse(categories, Refusal::CategoryNotFound)
                .map_err(DomainError::Refused)?,
            products: parse(products, Refusal::ProductNotFound).map_err(DomainError::Refused)?,
        };
        if scope.categories.is_empty() && scope.products.is_empty() {
            return Ok(scope);
        }
        if scope.categories.len() + scope.products.len() > crate::rules::offers::MAX_SCOPE {
            return Err(DomainError::Refused(Refusal::InvalidValue(
                crate::refusal::Field::Value,
                format!(
                    "at most {} categories and products together",
                    crate::rules::offers::MAX_SCOPE
                ),
            )));
        }
        let known: catalog::KnownRequest = self
            .services
            .call(
                catalog::SERVICE,
                catalog::KNOWN,
                &catalog::KnownRequest {
                    category_ids: scope.categories.clone(),
                    product_ids: scope.products.clone(),
                },
            )
            .await
            .map_err(micromall_kit::ApiError::internal)?;
        if scope
            .categories
            .iter()
            .any(|c| !known.category_ids.contains(c))
        {
            return Err(DomainError::Refused(Refusal::CategoryNotFound));
        }
        if scope
            .products
            .iter()
            .any(|p| !known.product_ids.contains(p))
        {
            return Err(DomainError::Refused(Refusal::ProductNotFound));
        }
        Ok(scope)
    }
}

/// Now, as the database keeps it.
fn now() -> DateTime<Utc> {
    micromall_kit::db::as_stored(Utc::now())
}

/// Ids kept in a JSON column.
fn ids_json(ids: &[Uuid]) -> serde_json::Value {
    serde_json::Value::Array(
        ids.iter()
            .map(|id| serde_json::Value::String(id.to_string()))
            .collect(),
    )
}

/// Ids read back from a JSON column (anything unreadable is skipped).
pub fn ids_of(json: &serde_json::Value) -> Vec<Uuid> {
    json.as_array()
        .map(|ids| {
            ids.iter()
                .filter_map(|id| id.as_str().and_then(|s| Uuid::parse_str(s).ok()))
                .collect()
        })
        .unwrap_or_default()
}
