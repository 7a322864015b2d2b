//! What a coupon or promotion may be: codes, values, windows, limits. Every problem with one
//! input is reported together.

use chrono::{DateTime, Utc};
use micromall_kit::money::fits_currency;
use rand::Rng;
use rust_decimal::Decimal;

use super::pricing::{Kind, Scope};
use crate::refusal::{Field, Refusal};

pub const MAX_CODE_LEN: usize = 40;
pub const MAX_NAME_LEN: usize = 100;
pub const MAX_PREFIX_LEN: usize = 20;
/// Most codes one `generateCouponCodes` makes.
pub const MAX_GENERATED: i32 = 1000;
/// Most categories plus products one coupon or promotion may name (checked with catalog).
pub const MAX_SCOPE: usize = 200;
/// Random part of a generated code: letters and digits that cannot be misread (no 0/O, 1/I).
const CODE_ALPHABET: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZ23456789";
const GENERATED_LEN: usize = 8;

/// A coupon as the shop wants it.
#[derive(Debug, Clone)]
pub struct CouponTerms {
    pub kind: Kind,
    pub value: Decimal,
    pub min_subtotal: Option<Decimal>,
    pub starts_at: Option<DateTime<Utc>>,
    pub ends_at: Option<DateTime<Utc>>,
    pub usage_limit: Option<i64>,
    pub per_customer_limit: Option<i64>,
    pub scope: Scope,
}

/// A promotion as the shop wants it.
#[derive(Debug, Clone)]
pub struct PromotionTerms {
    pub name: String,
    pub kind: Kind,
    pub value: Decimal,
    pub on_order: bool,
    pub scope: Scope,
    pub min_subtotal: Option<Decimal>,
    pub priority: i32,
    pub stackable: bool,
    pub starts_at: Option<DateTime<Utc>>,
    pub ends_at: Option<DateTime<Utc>>,
}

/// The code as written (trimmed) and its key (upper case), or why it cannot be one.
pub fn clean_code(raw: &str) -> Result<(String, String), Refusal> {
    let code = raw.trim();
    let ok = (3..=MAX_CODE_LEN).contains(&code.len())
        && code
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if !ok {
        return Err(Refusal::InvalidValue(
            Field::Code,
            format!("code must be 3 to {MAX_CODE_LEN} letters, digits, '-' or '_'"),
        ));
    }
    Ok((code.to_owned(), code.to_ascii_uppercase()))
}

/// The key a shopper's code is looked up by, or `None` when it cannot be any coupon's.
pub fn code_key(raw: &str) -> Option<String> {
    clean_code(raw).ok().map(|(_, key)| key)
}

fn value_problem(kind: Kind, value: Decimal, currency: &str) -> Option<String> {
    match kind {
        Kind::Percentage if value <= Decimal::ZERO || value > Decimal::ONE_HUNDRED => {
            Some("a percentage must be more than 0 and at most 100".to_owned())
        }
        Kind::FixedAmount if value <= Decimal::ZERO || !fits_currency(value, currency) => Some(
            format!("an amount must be more than 0, in whole {currency} minor units"),
        ),
        _ => None,
    }
}

fn window_problem(starts: Option<DateTime<Utc>>, ends: Option<DateTime<Utc>>) -> Option<Refusal> {
    match (starts, ends) {
        (Some(start), Some(end)) if end <= start => Some(Refusal::InvalidRange),
        _ => None,
    }
}

fn min_subtotal_problem(min: Option<Decimal>, currency: &str) -> Option<Refusal> {
    min.filter(|m| *m < Decimal::ZERO || !fits_currency(*m, currency))
        .map(|_| {
            Refusal::InvalidValue(
                Field::MinSubtotal,
                "minSubtotal must be an amount of at least 0".to_owned(),
            )
        })
}

fn limit_problem(limit: Option<i64>, field: Field) -> Option<Refusal> {
    limit
        .filter(|l| *l < 1)
        .map(|_| Refusal::InvalidValue(field, format!("{} must be at least 1", field_label(field))))
}

fn field_label(field: Field) -> &'static str {
    match field {
        Field::UsageLimit => "usageLimit",
        Field::PerCustomerLimit => "perCustomerLimit",
        _ => "the value",
    }
}

fn finish<T>(value: T, problems: Vec<Refusal>) -> Result<T, Refusal> {
    if problems.is_empty() {
        Ok(value)
    } else {
        Err(Refusal::of_all(problems))
    }
}

/// `terms`, with a value of zero for `FREE_SHIPPING` (its value means nothing).
pub fn check_coupon(mut terms: CouponTerms, currency: &str) -> Result<CouponTerms, Refusal> {
    let mut problems = Vec::new();
    if terms.kind == Kind::FreeShipping {
        terms.value = Decimal::ZERO;
    }
    if let Some(why) = value_problem(terms.kind, terms.value, currency) {
        problems.push(Refusal::InvalidValue(Field::Value, why));
    }
    problems.extend(min_subtotal_problem(terms.min_subtotal, currency));
    problems.extend(window_problem(terms.starts_at, terms.ends_at));
    problems.extend(limit_problem(terms.usage_limit, Field::UsageLimit));
    problems.extend(limit_problem(
        terms.per_customer_limit,
        Field::PerCustomerLimit,
    ));
    finish(terms, problems)
}

pub fn check_promotion(
    mut terms: PromotionTerms,
    currency: &str,
) -> Result<PromotionTerms, Refusal> {
    let mut problems = Vec::new();
    terms.name = terms.name.trim().to_owned();
    let name_chars = terms.name.chars().count();
    if name_chars == 0 || name_chars > MAX_NAME_LEN || terms.name.chars().any(char::is_control) {
        problems.push(Refusal::InvalidValue(
            Field::Name,
            format!("name must be 1 to {MAX_NAME_LEN} characters on one line"),
        ));
    }
    if terms.kind == Kind::FreeShipping {
        terms.value = Decimal::ZERO;
    }
    if let Some(why) = value_problem(terms.kind, terms.value, currency) {
        problems.push(Refusal::InvalidValue(Field::Value, why));
    }
    problems.extend(min_subtotal_problem(terms.min_subtotal, currency));
    problems.extend(window_problem(terms.starts_at, terms.ends_at));
    finish(terms, problems)
}

/// The prefix as used in codes (upper case), or why it cannot be one.
pub fn clean_prefix(raw: &str) -> Result<String, Refusal> {
    let prefix = raw.trim();
    if prefix.is_empty()
        || prefix.len() > MAX_PREFIX_LEN
        || !prefix.chars().all(|c| c.is_ascii_alphanumeric())
    {
        return Err(Refusal::InvalidValue(
            Field::Prefix,
            format!("prefix must be 1 to {MAX_PREFIX_LEN} letters or digits"),
        ));
    }
    Ok(prefix.to_ascii_uppercase())
}

pub fn check_count(count: i32) -> Result<usize, Refusal> {
    if (1..=MAX_GENERATED).contains(&count) {
        Ok(count as usize)
    } else {
        Err(Refusal::InvalidValue(
            Field::Count,
            format!("count must be 1 to {MAX_GENERATED}"),
        ))
    }
}

/// `PREFIX-XXXXXXXX`: 32^8 (about 10^12) codes per prefix, so guessing one is hopeless.
pub fn generated_code(prefix: &str, rng: &mut impl Rng) -> String {
    let tail: String = (0..GENERATED_LEN)
        .map(|_| CODE_ALPHABET[rng.random_range(0..CODE_ALPHABET.len())] as char)
        .collect();
    format!("{prefix}-{tail}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use micromall_kit::DomainRefusal;
    use std::str::FromStr;

    fn terms(kind: Kind, value: &str) -> CouponTerms {
        CouponTerms {
            kind,
            value: Decimal::from_str(value).unwrap(),
            min_subtotal: None,
            starts_at: None,
            ends_at: None,
            usage_limit: None,
            per_customer_limit: None,
            scope: Scope::default(),
        }
    }

    #[test]
    fn codes_are_matched_regardless_of_case() {
        assert_eq!(
            clean_code("  Spring-10 ").unwrap(),
            ("Spring-10".to_owned(), "SPRING-10".to_owned())
        );
        assert_eq!(code_key("spring-10"), code_key("SPRING-10"));
        for bad in ["", "ab", "has space", "ünï", &"A".repeat(41), "drop;table"] {
            assert!(clean_code(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn values_follow_the_kind() {
        assert!(check_coupon(terms(Kind::Percentage, "100"), "USD").is_ok());
        assert!(check_coupon(terms(Kind::Percentage, "0"), "USD").is_err());
        assert!(check_coupon(terms(Kind::Percentage, "100.5"), "USD").is_err());
        assert!(check_coupon(terms(Kind::FixedAmount, "5.005"), "USD").is_err());
        assert!(check_coupon(terms(Kind::FixedAmount, "5"), "JPY").is_ok());
        let free = check_coupon(terms(Kind::FreeShipping, "-3"), "USD").unwrap();
        assert_eq!(free.value, Decimal::ZERO);
    }

    #[test]
    fn every_problem_is_reported_at_once() {
        let now = Utc::now();
        let mut bad = terms(Kind::Percentage, "0");
        bad.starts_at = Some(now);
        bad.ends_at = Some(now);
        bad.usage_limit = Some(0);
        bad.min_subtotal = Some(Decimal::from(-1));
        let codes: Vec<String> = check_coupon(bad, "USD")
            .unwrap_err()
            .user_errors()
            .into_iter()
            .map(|e| e.code)
            .collect();
        assert_eq!(
            codes,
            [
                "INVALID_VALUE",
                "INVALID_VALUE",
                "INVALID_RANGE",
                "INVALID_VALUE"
            ]
        );
    }

    #[test]
    fn generated_codes_carry_the_prefix_and_differ() {
        let mut rng = rand::rng();
        let a = generated_code("SUMMER", &mut rng);
        let b = generated_code("SUMMER", &mut rng);
        assert!(a.starts_with("SUMMER-") && a.len() == 15, "{a}");
        assert_ne!(a, b);
        assert!(clean_code(&a).is_ok());
        assert!(clean_prefix("summer").is_ok());
        assert!(clean_prefix("sum mer").is_err());
        assert!(check_count(0).is_err() && check_count(1001).is_err());
    }
}
