//! Exact money: `rust_decimal` amounts in one shop currency, rounded half-even.

use async_graphql::SimpleObject;
use rust_decimal::{Decimal, RoundingStrategy};

/// `{ amount, currency }` as the API shows it. `Decimal` is serialised as a string ("19.99").
#[derive(Debug, Clone, PartialEq, Eq, SimpleObject)]
#[graphql(shareable)]
pub struct Money {
    pub amount: Decimal,
    pub currency: String,
}

impl Money {
    /// Builds a money value rounded to the currency's minor unit.
    pub fn new(amount: Decimal, currency: &str) -> Self {
        Self {
            amount: round_to_currency(amount, currency),
            currency: currency.to_owned(),
        }
    }

    pub fn zero(currency: &str) -> Self {
        Self::new(Decimal::ZERO, currency)
    }
}

/// Digits after the decimal point for the currencies a shop may be configured with.
pub fn minor_units(currency: &str) -> Option<u32> {
    match currency {
        "JPY" | "KRW" | "ISK" | "CLP" | "VND" => Some(0),
        "BHD" | "KWD" | "OMR" | "JOD" | "TND" => Some(3),
        "USD" | "EUR" | "GBP" | "CHF" | "CAD" | "AUD" | "NZD" | "SEK" | "NOK" | "DKK" | "PLN"
        | "CZK" | "HUF" | "BRL" | "MXN" | "INR" | "CNY" | "HKD" | "SGD" | "ZAR" => Some(2),
        _ => None,
    }
}

/// Rounds half-even to the currency's minor unit (two digits for unknown codes).
pub fn round_to_currency(amount: Decimal, currency: &str) -> Decimal {
    let dp = minor_units(currency).unwrap_or(2);
    let mut rounded = amount.round_dp_with_strategy(dp, RoundingStrategy::MidpointNearestEven);
    rounded.rescale(dp);
    rounded
}

/// Whether `amount` is already expressible in the currency (no finer digits).
pub fn fits_currency(amount: Decimal, currency: &str) -> bool {
    amount.normalize().scale() <= minor_units(currency).unwrap_or(2)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    fn d(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap()
    }

    #[test]
    fn rounds_half_even_to_minor_units() {
        assert_eq!(round_to_currency(d("2.345"), "USD").to_string(), "2.34");
        assert_eq!(round_to_currency(d("2.355"), "USD").to_string(), "2.36");
        assert_eq!(round_to_currency(d("10"), "USD").to_string(), "10.00");
        assert_eq!(round_to_currency(d("10.5"), "JPY").to_string(), "10");
        assert_eq!(
            Money::new(d("0.1") + d("0.2"), "EUR").amount.to_string(),
            "0.30"
        );
    }

    #[test]
    fn detects_too_many_decimals() {
        assert!(fits_currency(d("19.99"), "USD"));
        assert!(fits_currency(d("19.900"), "USD"));
        assert!(!fits_currency(d("19.999"), "USD"));
        assert!(!fits_currency(d("1.5"), "JPY"));
    }
}
