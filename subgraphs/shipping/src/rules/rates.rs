//! Shipping rates: which methods ship to a country, what each costs for a parcel, and the
//! checks a method's definition must pass.

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::refusal::{Field, Refusal};

/// The most any shipping price may be.
pub const MAX_PRICE: Decimal = Decimal::from_parts(1_000_000, 0, 0, false, 0);
pub const MAX_DELIVERY_DAYS: i32 = 365;
pub const MAX_WEIGHT_BANDS: usize = 20;
/// The heaviest band limit, in grams (a tonne).
pub const MAX_BAND_GRAMS: i32 = 1_000_000;
pub const MAX_NAME_CHARS: usize = 100;

/// How a method prices a parcel.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RateKind {
    /// Always `price`.
    Flat,
    /// `price`, or nothing once the subtotal reaches `free_above`.
    FreeAbove,
    /// The price of the first band the parcel's weight fits in; `price` for a parcel heavier
    /// than every band.
    WeightBands,
}

impl RateKind {
    pub fn as_str(self) -> &'static str {
        match self {
            RateKind::Flat => "FLAT",
            RateKind::FreeAbove => "FREE_ABOVE",
            RateKind::WeightBands => "WEIGHT_BANDS",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "FLAT" => RateKind::Flat,
            "FREE_ABOVE" => RateKind::FreeAbove,
            "WEIGHT_BANDS" => RateKind::WeightBands,
            _ => return None,
        })
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WeightBand {
    pub up_to_grams: i32,
    pub price: Decimal,
}

/// A method as rating needs it.
#[derive(Debug, Clone, PartialEq)]
pub struct Method {
    pub id: Uuid,
    pub name: String,
    pub kind: RateKind,
    pub price: Decimal,
    pub free_above: Option<Decimal>,
    pub bands: Vec<WeightBand>,
    pub min_days: i32,
    pub max_days: i32,
    pub active: bool,
}

/// A zone as rating needs it: its countries and methods.
#[derive(Debug, Clone, PartialEq)]
pub struct Zone {
    pub countries: Vec<String>,
    pub methods: Vec<Method>,
}

/// What a method costs for this parcel.
pub fn price_of(method: &Method, subtotal: Decimal, weight_grams: i64) -> Decimal {
    match method.kind {
        RateKind::Flat => method.price,
        RateKind::FreeAbove => match method.free_above {
            Some(threshold) if subtotal >= threshold => Decimal::ZERO,
            _ => method.price,
        },
        RateKind::WeightBands => method
            .bands
            .iter()
            .find(|band| weight_grams <= i64::from(band.up_to_grams))
            .map_or(method.price, |band| band.price),
    }
}

/// A method offered for a parcel, at its price.
#[derive(Debug, Clone, PartialEq)]
pub struct Offer {
    pub method: Method,
    pub price: Decimal,
}

/// Every active method of every zone holding `country`, cheapest first (then fastest, then
/// by name, so the order is stable).
pub fn offers(zones: &[Zone], country: &str, subtotal: Decimal, weight_grams: i64) -> Vec<Offer> {
    let mut offers: Vec<Offer> = zones
        .iter()
        .filter(|zone| zone.countries.iter().any(|c| c == country))
        .flat_map(|zone| zone.methods.iter().filter(|m| m.active))
        .map(|method| Offer {
            price: price_of(method, subtotal, weight_grams),
            method: method.clone(),
        })
        .collect();
    offers.sort_by(|a, b| {
        (a.price, a.method.max_days, &a.method.name, a.method.id).cmp(&(
            b.price,
            b.method.max_days,
            &b.method.name,
            b.method.id,
        ))
    });
    offers
}

/// What checkout charges: the asked method if it is offered, else the cheapest offer.
/// `Ok(None)` when the shop has no zones at all: shipping is not set up, so delivery is free
/// and carries no estimate; once any zone exists, a country outside every zone is refused.
pub fn choose(
    zones: &[Zone],
    country: &str,
    subtotal: Decimal,
    weight_grams: i64,
    asked: Option<Uuid>,
) -> Result<Option<Offer>, Refusal> {
    if zones.is_empty() && asked.is_none() {
        return Ok(None);
    }
    let offers = offers(zones, country, subtotal, weight_grams);
    let chosen = match asked {
        Some(id) => offers.into_iter().find(|o| o.method.id == id),
        None => offers.into_iter().next(),
    };
    chosen.map(Some).ok_or(Refusal::MethodUnavailable)
}

/// A method's definition as an admin sends it.
#[derive(Debug, Clone)]
pub struct MethodDraft {
    pub name: String,
    pub kind: RateKind,
    pub price: Decimal,
    pub free_above: Option<Decimal>,
    pub bands: Vec<WeightBand>,
    pub min_days: i32,
    pub max_days: i32,
    pub active: bool,
}

fn price_ok(price: Decimal, currency_digits: u32) -> bool {
    price >= Decimal::ZERO && price <= MAX_PRICE && price.normalize().scale() <= currency_digits
}

/// Checks a method's definition, naming every problem; prices must fit the shop currency.
pub fn check_method(draft: &MethodDraft, currency_digits: u32) -> Result<(), Refusal> {
    let mut problems = Vec::new();
    let name = draft.name.trim();
    if name.is_empty()
        || name.chars().count() > MAX_NAME_CHARS
        || name.chars().any(char::is_control)
    {
        problems.push(Refusal::InvalidName(Field::MethodName));
    }
    if !price_ok(draft.price, currency_digits) {
        problems.push(Refusal::InvalidPrice(Field::Price));
    }
    match (draft.kind, draft.free_above) {
        (RateKind::FreeAbove, None) => problems.push(Refusal::InvalidPrice(Field::FreeAbove)),
        (_, Some(threshold)) if !price_ok(threshold, currency_digits) => {
            problems.push(Refusal::InvalidPrice(Field::FreeAbove))
        }
        _ => {}
    }
    if draft.kind == RateKind::WeightBands && draft.bands.is_empty()
        || draft.bands.len() > MAX_WEIGHT_BANDS
    {
        problems.push(Refusal::InvalidRange(Field::WeightBands));
    }
    let mut previous = 0;
    for (i, band) in draft.bands.iter().enumerate() {
        if band.up_to_grams <= previous || band.up_to_grams > MAX_BAND_GRAMS {
            problems.push(Refusal::InvalidRange(Field::Band(i)));
        }
        if !price_ok(band.price, currency_digits) {
            problems.push(Refusal::InvalidPrice(Field::BandPrice(i)));
        }
        previous = previous.max(band.up_to_grams);
    }
    if draft.min_days < 0 || draft.max_days < draft.min_days || draft.max_days > MAX_DELIVERY_DAYS {
        problems.push(Refusal::InvalidRange(Field::DeliveryDays));
    }
    match problems.len() {
        0 => Ok(()),
        1 => Err(problems.remove(0)),
        _ => Err(Refusal::Several(problems)),
    }
}

/// A zone's name must be printable and short.
pub fn check_zone_name(name: &str) -> Result<(), Refusal> {
    let name = name.trim();
    if name.is_empty()
        || name.chars().count() > MAX_NAME_CHARS
        || name.chars().any(char::is_control)
    {
        return Err(Refusal::InvalidName(Field::ZoneName));
    }
    Ok(())
}

/// The zone's countries, upper-cased and without repeats; every unassigned code is named.
pub fn check_countries(countries: &[String]) -> Result<Vec<String>, Refusal> {
    const MAX_COUNTRIES: usize = 249;
    if countries.is_empty() || countries.len() > MAX_COUNTRIES * 2 {
        return Err(Refusal::InvalidCountry(None));
    }
    let mut codes = Vec::new();
    let mut problems = Vec::new();
    for (i, country) in countries.iter().enumerate() {
        match super::countries::normalized(country) {
            Some(code) if !codes.contains(&code) => codes.push(code),
            Some(_) => {}
            None => problems.push(Refusal::InvalidCountry(Some(i))),
        }
    }
    match problems.len() {
        0 => Ok(codes),
        1 => Err(problems.remove(0)),
        _ => Err(Refusal::Several(problems)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn dec(s: &str) -> Decimal {
        s.parse().unwrap()
    }

    fn method(name: &str, kind: RateKind, price: &str) -> Method {
        Method {
            id: Uuid::now_v7(),
            name: name.into(),
            kind,
            price: dec(price),
            free_above: None,
            bands: Vec::new(),
            min_days: 2,
            max_days: 4,
            active: true,
        }
    }

    #[test]
    fn free_above_is_free_at_the_threshold_and_charged_below_it() {
        let mut standard = method("Standard", RateKind::FreeAbove, "4.99");
        standard.free_above = Some(dec("50"));
        assert_eq!(price_of(&standard, dec("49.99"), 0), dec("4.99"));
        assert_eq!(price_of(&standard, dec("50.00"), 0), Decimal::ZERO);
        assert_eq!(price_of(&standard, dec("120"), 0), Decimal::ZERO);
    }

    #[test]
    fn a_parcel_pays_its_first_band_and_the_base_price_past_the_last() {
        let mut economy = method("Economy", RateKind::WeightBands, "29.99");
        economy.bands = vec![
            WeightBand {
                up_to_grams: 1000,
                price: dec("3.99"),
            },
            WeightBand {
                up_to_grams: 5000,
                price: dec("7.99"),
            },
        ];
        assert_eq!(price_of(&economy, dec("10"), 0), dec("3.99"));
        assert_eq!(price_of(&economy, dec("10"), 1000), dec("3.99"));
        assert_eq!(price_of(&economy, dec("10"), 1001), dec("7.99"));
        assert_eq!(price_of(&economy, dec("10"), 5001), dec("29.99"));
    }

    fn zone(countries: &[&str], methods: Vec<Method>) -> Zone {
        Zone {
            countries: countries.iter().map(|c| (*c).to_owned()).collect(),
            methods,
        }
    }

    #[test]
    fn only_active_methods_of_the_countrys_zones_are_offered_cheapest_first() {
        let express = method("Express", RateKind::Flat, "14.99");
        let standard = method("Standard", RateKind::Flat, "4.99");
        let mut retired = method("Retired", RateKind::Flat, "0.99");
        retired.active = false;
        let abroad = method("Abroad", RateKind::Flat, "1.00");
        let zones = [
            zone(&["US"], vec![express.clone(), standard.clone(), retired]),
            zone(&["DE"], vec![abroad.clone()]),
        ];
        let names: Vec<String> = offers(&zones, "US", dec("10"), 0)
            .into_iter()
            .map(|o| o.method.name)
            .collect();
        assert_eq!(names, ["Standard", "Express"]);
        assert_eq!(
            choose(&zones, "US", dec("10"), 0, None)
                .unwrap()
                .unwrap()
                .method
                .name,
            "Standard"
        );
        assert_eq!(
            choose(&zones, "US", dec("10"), 0, Some(express.id))
                .unwrap()
                .unwrap()
                .price,
            dec("14.99")
        );
        // Offered elsewhere, not here.
        assert_eq!(
            choose(&zones, "US", dec("10"), 0, Some(abroad.id)),
            Err(Refusal::MethodUnavailable)
        );
        assert_eq!(
            choose(&zones, "FR", dec("10"), 0, None),
            Err(Refusal::MethodUnavailable)
        );
    }

    #[test]
    fn a_shop_without_zones_ships_free_but_refuses_a_named_method() {
        assert_eq!(choose(&[], "US", dec("10"), 0, None), Ok(None));
        assert_eq!(
            choose(&[], "US", dec("10"), 0, Some(Uuid::now_v7())),
            Err(Refusal::MethodUnavailable)
        );
    }

    fn draft(kind: RateKind) -> MethodDraft {
        MethodDraft {
            name: "Standard".into(),
            kind,
            price: dec("4.99"),
            free_above: None,
            bands: Vec::new(),
            min_days: 2,
            max_days: 5,
            active: true,
        }
    }

    #[test]
    fn a_method_definition_names_every_problem() {
        assert_eq!(check_method(&draft(RateKind::Flat), 2), Ok(()));
        let mut bad = draft(RateKind::WeightBands);
        bad.name = " ".into();
        bad.price = dec("-1");
        bad.min_days = 5;
        bad.max_days = 2;
        bad.bands = vec![
            WeightBand {
                up_to_grams: 500,
                price: dec("1.001"),
            },
            WeightBand {
                up_to_grams: 500,
                price: dec("2"),
            },
        ];
        let Err(Refusal::Several(problems)) = check_method(&bad, 2) else {
            panic!("several problems expected");
        };
        assert_eq!(
            problems,
            [
                Refusal::InvalidName(Field::MethodName),
                Refusal::InvalidPrice(Field::Price),
                Refusal::InvalidPrice(Field::BandPrice(0)),
                Refusal::InvalidRange(Field::Band(1)),
                Refusal::InvalidRange(Field::DeliveryDays),
            ]
        );
        assert_eq!(
            check_method(&draft(RateKind::FreeAbove), 2),
            Err(Refusal::InvalidPrice(Field::FreeAbove))
        );
        assert_eq!(
            check_method(&draft(RateKind::WeightBands), 2),
            Err(Refusal::InvalidRange(Field::WeightBands))
        );
    }

    #[test]
    fn countries_are_normalised_and_bad_ones_named() {
        let codes = |list: &[&str]| -> Vec<String> { list.iter().map(|c| (*c).into()).collect() };
        assert_eq!(
            check_countries(&codes(&["us", "CA", "US"])),
            Ok(vec!["US".into(), "CA".into()])
        );
        assert_eq!(
            check_countries(&codes(&["US", "XX"])),
            Err(Refusal::InvalidCountry(Some(1)))
        );
        assert_eq!(check_countries(&[]), Err(Refusal::InvalidCountry(None)));
    }

    proptest! {
        /// A heavier parcel never costs less under weight bands, and a larger subtotal never
        /// costs more under a free-above rate.
        #[test]
        fn prices_move_the_way_customers_expect(
            limits in proptest::collection::btree_set(1i32..100_000, 1..6),
            a in 0i64..120_000, b in 0i64..120_000,
            s1 in 0u32..20_000, s2 in 0u32..20_000,
        ) {
            let limits: Vec<i32> = limits.into_iter().collect();
            let mut banded = method("Banded", RateKind::WeightBands, "99");
            banded.bands = limits
                .iter()
                .enumerate()
                .map(|(i, up)| WeightBand { up_to_grams: *up, price: Decimal::from(i as i64 + 1) })
                .collect();
            let (light, heavy) = (a.min(b), a.max(b));
            prop_assert!(price_of(&banded, Decimal::ZERO, light) <= price_of(&banded, Decimal::ZERO, heavy));
            let mut free = method("Free", RateKind::FreeAbove, "5");
            free.free_above = Some(Decimal::from(100));
            let (low, high) = (Decimal::new(s1.min(s2).into(), 2), Decimal::new(s1.max(s2).into(), 2));
            prop_assert!(price_of(&free, high, 0) <= price_of(&free, low, 0));
        }
    }
}
