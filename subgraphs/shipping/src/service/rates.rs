//! Zones, methods and what shipping costs: the admin's operations, the storefront's list of
//! methods for an address, and checkout's quote.

use chrono::Utc;
use micromall_kit::contracts::shipping::{Quote, QuoteRequest};
use micromall_kit::db::{begin_write, violated};
use micromall_kit::money::minor_units;
use micromall_kit::outcome::Verdict;
use micromall_kit::{DomainError, refuse};
use rust_decimal::Decimal;
use sea_orm::DbErr;
use uuid::Uuid;

use super::Shipping;
use crate::entity::{shipping_method, shipping_zone};
use crate::refusal::Refusal;
use crate::rules::countries;
use crate::rules::rates::{self, Method, MethodDraft, Offer, RateKind, WeightBand, Zone};
use crate::store;

/// A zone with its methods, as the admin sees it.
pub struct ZoneView {
    pub zone: shipping_zone::Model,
    pub methods: Vec<shipping_method::Model>,
}

impl ZoneView {
    pub fn countries(&self) -> Vec<String> {
        serde_json::from_value(self.zone.countries.clone()).unwrap_or_default()
    }
}

/// A method as the admin sent it: the zone it belongs to (as sent) and its definition.
pub struct MethodInput {
    pub zone_id: String,
    pub draft: MethodDraft,
}

type Answer = Result<ZoneView, DomainError<Refusal>>;

/// A stored method as the rules read it.
pub fn method_rule(model: &shipping_method::Model) -> Method {
    Method {
        id: model.id,
        name: model.name.clone(),
        kind: RateKind::parse(&model.kind).unwrap_or(RateKind::Flat),
        price: model.price,
        free_above: model.free_above,
        bands: bands_of(model),
        min_days: model.min_delivery_days,
        max_days: model.max_delivery_days,
        active: model.active,
    }
}

pub fn bands_of(model: &shipping_method::Model) -> Vec<WeightBand> {
    serde_json::from_value(model.weight_bands.clone()).unwrap_or_default()
}

impl Shipping {
    /// Every zone with its methods, oldest first (`shippingZones`).
    pub async fn zones(&self) -> Result<Vec<ZoneView>, DbErr> {
        let mut methods = store::methods(&self.db).await?;
        Ok(store::zones(&self.db)
            .await?
            .into_iter()
            .map(|zone| {
                let (mine, rest) = methods.drain(..).partition(|m| m.zone_id == zone.id);
                methods = rest;
                ZoneView {
                    zone,
                    methods: mine,
                }
            })
            .collect())
    }

    async fn zone_view(&self, zone: shipping_zone::Model) -> Answer {
        let methods = store::methods_of_zone(&self.db, zone.id).await?;
        Ok(ZoneView { zone, methods })
    }

    /// `createShippingZone`: a new set of countries, without methods yet.
    pub async fn create_zone(&self, name: &str, countries: &[String]) -> Answer {
        let countries = match (
            rates::check_zone_name(name),
            rates::check_countries(countries),
        ) {
            (Ok(()), Ok(countries)) => countries,
            (Err(bad_name), Ok(_)) => return refuse(bad_name),
            (Ok(()), Err(bad_countries)) => return refuse(bad_countries),
            (Err(bad_name), Err(bad_countries)) => {
                let mut all = vec![bad_name];
                match bad_countries {
                    Refusal::Several(parts) => all.extend(parts),
                    one => all.push(one),
                }
                return refuse(Refusal::Several(all));
            }
        };
        let name = name.trim().to_owned();
        let zone = shipping_zone::Model {
            id: Uuid::now_v7(),
            name_key: name.to_lowercase(),
            name,
            countries: serde_json::json!(countries),
            created_at: Utc::now(),
        };
        if let Err(err) = store::insert_zone(&self.db, zone.clone()).await {
            return match violated(&err, &store::NAMES) {
                Some(field) => refuse(Refusal::NameTaken(*field)),
                None => Err(err.into()),
            };
        }
        self.zone_view(zone).await
    }

    /// `createShippingMethod`: a method for a zone.
    pub async fn create_method(&self, input: MethodInput) -> Answer {
        let zone = self.checked(&input).await?;
        let now = Utc::now();
        let method = stored(Uuid::now_v7(), zone.id, &input.draft, now, now);
        self.save(method, false).await?;
        self.zone_view(zone).await
    }

    /// `updateShippingMethod`: a method redefined (or moved to another zone).
    pub async fn update_method(&self, id: &str, input: MethodInput) -> Answer {
        let Some(existing) = parse(id) else {
            return refuse(Refusal::ZoneNotFound);
        };
        let Some(existing) = store::method(&self.db, existing).await? else {
            return refuse(Refusal::ZoneNotFound);
        };
        let zone = self.checked(&input).await?;
        let method = stored(
            existing.id,
            zone.id,
            &input.draft,
            existing.created_at,
            Utc::now(),
        );
        self.save(method, true).await?;
        self.zone_view(zone).await
    }

    /// The zone a method input names, once its definition passed the rules.
    async fn checked(
        &self,
        input: &MethodInput,
    ) -> Result<shipping_zone::Model, DomainError<Refusal>> {
        let digits = minor_units(&self.currency).unwrap_or(2);
        rates::check_method(&input.draft, digits).or_refuse()?;
        let zone = match parse(&input.zone_id) {
            Some(id) => store::zone(&self.db, id).await?,
            None => None,
        };
        zone.map_or_else(|| refuse(Refusal::ZoneNotFound), Ok)
    }

    async fn save(
        &self,
        method: shipping_method::Model,
        existing: bool,
    ) -> Result<(), DomainError<Refusal>> {
        let txn = begin_write(&self.db).await?;
        let saved = if existing {
            store::update_method(&txn, method).await
        } else {
            store::insert_method(&txn, method).await
        };
        match saved {
            Ok(()) => {
                txn.commit().await?;
                Ok(())
            }
            Err(err) => match violated(&err, &store::NAMES) {
                Some(field) => refuse(Refusal::NameTaken(*field)),
                None => Err(err.into()),
            },
        }
    }

    /// What ships to `country` for this subtotal and weight, cheapest first; nothing for a
    /// code that is not a country.
    pub async fn offers(
        &self,
        country: &str,
        subtotal: Decimal,
        weight_grams: i64,
    ) -> Result<Vec<Offer>, DbErr> {
        let Some(country) = countries::normalized(country) else {
            return Ok(Vec::new());
        };
        Ok(rates::offers(
            &self.rating_zones().await?,
            &country,
            subtotal,
            weight_grams,
        ))
    }

    /// Checkout's price for delivery: the customer's method, or the cheapest that applies.
    pub async fn quote(&self, request: &QuoteRequest) -> Result<Quote, DomainError<Refusal>> {
        let country = countries::normalized(&request.country).unwrap_or_default();
        let zones = self.rating_zones().await?;
        let chosen = rates::choose(
            &zones,
            &country,
            request.subtotal,
            request.weight_grams.max(0),
            request.method_id,
        )
        .or_refuse()?;
        Ok(match chosen {
            Some(offer) => Quote {
                method_id: Some(offer.method.id),
                name: offer.method.name,
                price: offer.price,
                min_delivery_days: offer.method.min_days,
                max_delivery_days: offer.method.max_days,
            },
            None => Quote {
                method_id: None,
                name: "Free delivery".to_owned(),
                price: Decimal::ZERO,
                min_delivery_days: 0,
                max_delivery_days: 0,
            },
        })
    }

    async fn rating_zones(&self) -> Result<Vec<Zone>, DbErr> {
        Ok(self
            .zones()
            .await?
            .into_iter()
            .map(|view| Zone {
                countries: view.countries(),
                methods: view.methods.iter().map(method_rule).collect(),
            })
            .collect())
    }
}

fn parse(id: &str) -> Option<Uuid> {
    Uuid::parse_str(id).ok()
}

fn stored(
    id: Uuid,
    zone_id: Uuid,
    draft: &MethodDraft,
    created_at: chrono::DateTime<Utc>,
    updated_at: chrono::DateTime<Utc>,
) -> shipping_method::Model {
    let name = draft.name.trim().to_owned();
    shipping_method::Model {
        id,
        zone_id,
        name_key: name.to_lowercase(),
        name,
        kind: draft.kind.as_str().to_owned(),
        price: draft.price,
        free_above: draft.free_above,
        weight_bands: serde_json::json!(draft.bands),
        min_delivery_days: draft.min_days,
        max_delivery_days: draft.max_days,
        active: draft.active,
        created_at,
        updated_at,
    }
}
