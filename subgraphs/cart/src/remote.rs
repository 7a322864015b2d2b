//! What cart asks other domains, over their internal endpoints: catalog for variants and
//! prices, inventory for stock, marketing for discounts. A domain that does not answer is an
//! internal error, never a guess.

use std::collections::HashMap;

use micromall_kit::contracts::{catalog, inventory, marketing};
use micromall_kit::internal::InternalClient;
use micromall_kit::{ApiError, ApiResult};
use uuid::Uuid;

#[derive(Clone)]
pub struct Catalog {
    pub client: InternalClient,
    /// The shop currency; catalog must price in it.
    pub currency: String,
}

impl Catalog {
    /// Current facts about `ids`, one call for all of them; unknown ids are absent.
    pub async fn variants(&self, ids: &[Uuid]) -> ApiResult<HashMap<Uuid, catalog::VariantFacts>> {
        if ids.is_empty() {
            return Ok(HashMap::new());
        }
        let answer: catalog::VariantsResponse = self
            .client
            .call(
                catalog::SERVICE,
                catalog::VARIANTS,
                &catalog::VariantsRequest { ids: ids.to_vec() },
            )
            .await
            .map_err(ApiError::internal)?;
        if let Some(other) = answer.variants.iter().find(|v| v.currency != self.currency) {
            return Err(ApiError::internal(anyhow::anyhow!(
                "catalog prices in {}, the shop in {}",
                other.currency,
                self.currency
            )));
        }
        Ok(answer.variants.into_iter().map(|v| (v.id, v)).collect())
    }

    /// A variant that can be bought now, if there is one.
    pub async fn purchasable(&self, id: Uuid) -> ApiResult<Option<catalog::VariantFacts>> {
        Ok(self
            .variants(&[id])
            .await?
            .remove(&id)
            .filter(|v| v.purchasable))
    }
}

#[derive(Clone)]
pub struct Inventory {
    pub client: InternalClient,
}

impl Inventory {
    /// How many of `variant_id` can be sold now (0 when inventory does not know it).
    pub async fn available(&self, variant_id: Uuid) -> ApiResult<i64> {
        let levels = self.available_all(&[variant_id]).await?;
        Ok(levels.get(&variant_id).copied().unwrap_or(0))
    }

    /// How many of each variant can be sold now, one call for all (unknown ones absent).
    pub async fn available_all(&self, variant_ids: &[Uuid]) -> ApiResult<HashMap<Uuid, i64>> {
        if variant_ids.is_empty() {
            return Ok(HashMap::new());
        }
        let answer: inventory::AvailabilityResponse = self
            .client
            .call(
                inventory::SERVICE,
                inventory::AVAILABILITY,
                &inventory::AvailabilityRequest {
                    variant_ids: variant_ids.to_vec(),
                },
            )
            .await
            .map_err(ApiError::internal)?;
        Ok(answer
            .levels
            .iter()
            .map(|level| (level.variant_id, level.available))
            .collect())
    }
}

#[derive(Clone)]
pub struct Marketing {
    pub client: InternalClient,
}

impl Marketing {
    /// What promotions and the coupon take off these lines now.
    pub async fn discounts(
        &self,
        request: &marketing::PriceRequest,
    ) -> ApiResult<marketing::Discounts> {
        self.client
            .call(marketing::SERVICE, marketing::PRICE, request)
            .await
            .map_err(ApiError::internal)
    }
}
