//! Everything shipping refuses, and the one place each refusal gets its contract code,
//! message and input path.

use micromall_kit::DomainRefusal;
use micromall_kit::contracts::shipping::SHIPPING_METHOD_UNAVAILABLE;
use micromall_kit::outcome::{joined_messages, path};

use crate::rules::rates::{MAX_BAND_GRAMS, MAX_DELIVERY_DAYS, MAX_NAME_CHARS, MAX_WEIGHT_BANDS};

/// The input field a zone or method refusal is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    ZoneName,
    MethodName,
    Price,
    FreeAbove,
    WeightBands,
    /// `upToGrams` of band i.
    Band(usize),
    BandPrice(usize),
    DeliveryDays,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// The zone, method, order or shipment does not exist (or is not the viewer's).
    NotFound,
    ShipmentNotFound,
    ZoneNotFound,
    /// A zone's country list: empty or too long (`None`), or its i-th code is not assigned.
    InvalidCountry(Option<usize>),
    InvalidName(Field),
    InvalidPrice(Field),
    InvalidRange(Field),
    /// Another zone, or another method of the zone, has this name.
    NameTaken(Field),
    /// The asked method is not offered there (or nothing is).
    MethodUnavailable,
    /// The order is not waiting to be shipped (its status).
    OrderNotShippable(String),
    /// Every unit of the order has been shipped already.
    NothingLeft,
    /// `lines: []`.
    NoLines,
    /// Line i of the input is not a line of the order.
    UnknownLine(usize),
    /// Line i asks for less than one or more than is `left`.
    LineQuantity {
        index: usize,
        left: i64,
    },
    UnknownCarrier(String),
    /// The carrier could not make a label now.
    CarrierUnavailable,
    /// A tracking event's description is empty or too long, or its location too long.
    InvalidTrackingEvent,
    Several(Vec<Refusal>),
}

fn input(parts: &[&str]) -> Option<Vec<String>> {
    let mut all = vec!["input"];
    all.extend_from_slice(parts);
    path(&all)
}

impl DomainRefusal for Refusal {
    fn code(&self) -> &'static str {
        match self {
            Refusal::NotFound
            | Refusal::ShipmentNotFound
            | Refusal::ZoneNotFound
            | Refusal::UnknownLine(_) => "NOT_FOUND",
            Refusal::InvalidCountry(_) => "INVALID_COUNTRY",
            Refusal::InvalidName(_) => "INVALID_NAME",
            Refusal::InvalidPrice(_) => "INVALID_PRICE",
            Refusal::InvalidRange(_) => "INVALID_RANGE",
            Refusal::NameTaken(_) => "NAME_TAKEN",
            Refusal::MethodUnavailable => SHIPPING_METHOD_UNAVAILABLE,
            Refusal::OrderNotShippable(_) | Refusal::NothingLeft => "INVALID_STATE",
            Refusal::NoLines | Refusal::LineQuantity { .. } => "INVALID_QUANTITY",
            Refusal::UnknownCarrier(_) => "UNKNOWN_CARRIER",
            Refusal::CarrierUnavailable => "CARRIER_UNAVAILABLE",
            Refusal::InvalidTrackingEvent => "INVALID_TRACKING_EVENT",
            Refusal::Several(parts) => parts.first().map_or("INVALID_INPUT", Refusal::code),
        }
    }

    fn message(&self) -> String {
        match self {
            Refusal::NotFound => "there is no such order".to_owned(),
            Refusal::ShipmentNotFound => "there is no such shipment".to_owned(),
            Refusal::ZoneNotFound => "there is no such shipping zone or method".to_owned(),
            Refusal::InvalidCountry(None) => {
                "a zone holds 1 to 249 ISO 3166-1 alpha-2 country codes".to_owned()
            }
            Refusal::InvalidCountry(Some(_)) => {
                "not an ISO 3166-1 alpha-2 country code (e.g. US, DE)".to_owned()
            }
            Refusal::InvalidName(_) => {
                format!("a name is 1 to {MAX_NAME_CHARS} printable characters")
            }
            Refusal::InvalidPrice(Field::FreeAbove) => {
                "a free-above rate needs a threshold of zero or more in the shop currency"
                    .to_owned()
            }
            Refusal::InvalidPrice(_) => {
                "a price is zero or more, at most 1,000,000, in the shop currency's units"
                    .to_owned()
            }
            Refusal::InvalidRange(Field::DeliveryDays) => format!(
                "delivery days run from 0 to {MAX_DELIVERY_DAYS}, the minimum not above the maximum"
            ),
            Refusal::InvalidRange(_) => format!(
                "weight bands: 1 to {MAX_WEIGHT_BANDS}, each heavier than the last, up to {MAX_BAND_GRAMS} g"
            ),
            Refusal::NameTaken(Field::ZoneName) => "another zone has this name".to_owned(),
            Refusal::NameTaken(_) => "this zone has another method of this name".to_owned(),
            Refusal::MethodUnavailable => {
                "this shipping method does not deliver to that address".to_owned()
            }
            Refusal::OrderNotShippable(status) => {
                format!("an order that is {status} cannot be shipped")
            }
            Refusal::NothingLeft => "every item of this order has been shipped".to_owned(),
            Refusal::NoLines => "a shipment takes at least one line".to_owned(),
            Refusal::UnknownLine(_) => "not a line of this order".to_owned(),
            Refusal::LineQuantity { left, .. } => {
                format!("between 1 and {left} of this line can still be shipped")
            }
            Refusal::UnknownCarrier(name) => {
                let shown: String = name.chars().take(40).collect();
                format!("there is no carrier `{shown}`")
            }
            Refusal::CarrierUnavailable => {
                "the carrier could not be reached; nothing was shipped, try again".to_owned()
            }
            Refusal::InvalidTrackingEvent => {
                "a tracking event has a description of 1 to 500 characters and a location of at most 200"
                    .to_owned()
            }
            Refusal::Several(parts) => joined_messages(parts),
        }
    }

    fn field(&self) -> Option<Vec<String>> {
        let field = |f: &Field| match f {
            Field::ZoneName | Field::MethodName => input(&["name"]),
            Field::Price => input(&["price"]),
            Field::FreeAbove => input(&["freeAbove"]),
            Field::WeightBands => input(&["weightBands"]),
            Field::Band(i) => input(&["weightBands", &i.to_string(), "upToGrams"]),
            Field::BandPrice(i) => input(&["weightBands", &i.to_string(), "price"]),
            Field::DeliveryDays => input(&["maxDeliveryDays"]),
        };
        match self {
            Refusal::InvalidCountry(None) => input(&["countries"]),
            Refusal::InvalidCountry(Some(i)) => input(&["countries", &i.to_string()]),
            Refusal::InvalidName(f)
            | Refusal::InvalidPrice(f)
            | Refusal::InvalidRange(f)
            | Refusal::NameTaken(f) => field(f),
            Refusal::ZoneNotFound => input(&["zoneId"]),
            Refusal::MethodUnavailable => input(&["shippingMethodId"]),
            Refusal::NoLines => input(&["lines"]),
            Refusal::UnknownLine(i) => input(&["lines", &i.to_string(), "orderLineId"]),
            Refusal::LineQuantity { index, .. } => {
                input(&["lines", &index.to_string(), "quantity"])
            }
            Refusal::UnknownCarrier(_) => input(&["carrier"]),
            Refusal::NotFound => input(&["orderId"]),
            Refusal::ShipmentNotFound => input(&["shipmentId"]),
            _ => None,
        }
    }

    micromall_kit::several_in!(Refusal::Several);
}
