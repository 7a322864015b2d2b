//! Whether a coupon can be used now, and if not, the reason the shopper is told.

use chrono::{DateTime, Utc};
use micromall_kit::contracts::marketing::{
    COUPON_EXPIRED, COUPON_MINIMUM_NOT_MET, COUPON_USAGE_LIMIT, INVALID_COUPON,
};
use rust_decimal::Decimal;

/// Why a coupon gives nothing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Issue {
    /// No coupon has this code, or the shop switched it off.
    Unknown,
    NotStarted,
    Expired,
    MinimumNotMet(Decimal),
    /// Every use is taken (held by unpaid orders or used).
    UsedUp,
    /// This customer has used it as often as allowed.
    UsedUpByCustomer,
    /// Valid, but none of the cart's products is in its scope.
    NotApplicable,
}

impl Issue {
    pub fn code(&self) -> &'static str {
        match self {
            Issue::Unknown | Issue::NotStarted => INVALID_COUPON,
            Issue::Expired => COUPON_EXPIRED,
            Issue::MinimumNotMet(_) => COUPON_MINIMUM_NOT_MET,
            Issue::UsedUp | Issue::UsedUpByCustomer => COUPON_USAGE_LIMIT,
            Issue::NotApplicable => micromall_kit::contracts::marketing::COUPON_NOT_APPLICABLE,
        }
    }

    pub fn message(&self) -> String {
        match self {
            Issue::Unknown => "there is no such coupon".to_owned(),
            Issue::NotStarted => "this coupon is not valid yet".to_owned(),
            Issue::Expired => "this coupon has expired".to_owned(),
            Issue::MinimumNotMet(min) => {
                format!(
                    "this coupon needs a subtotal of at least {}",
                    min.normalize()
                )
            }
            Issue::UsedUp => "this coupon has been used as often as it can be".to_owned(),
            Issue::UsedUpByCustomer => "you have already used this coupon".to_owned(),
            Issue::NotApplicable => {
                "this coupon applies to none of the items in the cart".to_owned()
            }
        }
    }
}

/// What decides whether a coupon can be used, read from its row.
#[derive(Debug, Clone)]
pub struct Terms {
    pub active: bool,
    pub starts_at: Option<DateTime<Utc>>,
    pub ends_at: Option<DateTime<Utc>>,
    pub min_subtotal: Option<Decimal>,
    pub usage_limit: Option<i64>,
    pub per_customer_limit: Option<i64>,
    /// Uses held or used.
    pub uses_taken: i64,
}

/// The first reason `terms` rule out a use at `now` for a cart of `subtotal` (not checked
/// when `None`) by a customer who has taken `customer_uses` uses already (held or used);
/// `None` when it can be used.
pub fn issue(
    terms: &Terms,
    now: DateTime<Utc>,
    subtotal: Option<Decimal>,
    customer_uses: i64,
) -> Option<Issue> {
    if !terms.active {
        return Some(Issue::Unknown);
    }
    if terms.starts_at.is_some_and(|start| now < start) {
        return Some(Issue::NotStarted);
    }
    if terms.ends_at.is_some_and(|end| now >= end) {
        return Some(Issue::Expired);
    }
    if let Some(min) = terms
        .min_subtotal
        .filter(|min| subtotal.is_some_and(|subtotal| subtotal < *min))
    {
        return Some(Issue::MinimumNotMet(min));
    }
    if terms
        .usage_limit
        .is_some_and(|limit| terms.uses_taken >= limit)
    {
        return Some(Issue::UsedUp);
    }
    if terms
        .per_customer_limit
        .is_some_and(|limit| customer_uses >= limit)
    {
        return Some(Issue::UsedUpByCustomer);
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeDelta;

    fn open() -> Terms {
        Terms {
            active: true,
            starts_at: None,
            ends_at: None,
            min_subtotal: None,
            usage_limit: None,
            per_customer_limit: None,
            uses_taken: 0,
        }
    }

    #[test]
    fn each_reason_is_found_in_turn() {
        let now = Utc::now();
        let hundred = Some(Decimal::ONE_HUNDRED);
        assert_eq!(issue(&open(), now, hundred, 0), None);
        let off = Terms {
            active: false,
            ..open()
        };
        assert_eq!(issue(&off, now, hundred, 0), Some(Issue::Unknown));
        let later = Terms {
            starts_at: Some(now + TimeDelta::hours(1)),
            ..open()
        };
        assert_eq!(issue(&later, now, hundred, 0), Some(Issue::NotStarted));
        // The end is exclusive: at `ends_at` it is over.
        let ended = Terms {
            ends_at: Some(now),
            ..open()
        };
        assert_eq!(
            issue(&ended, now, hundred, 0).map(|i| i.code()),
            Some("COUPON_EXPIRED")
        );
        let min = Terms {
            min_subtotal: Some(Decimal::from(150)),
            ..open()
        };
        assert_eq!(
            issue(&min, now, hundred, 0).map(|i| i.message()),
            Some("this coupon needs a subtotal of at least 150".to_owned())
        );
        assert_eq!(issue(&min, now, Some(Decimal::from(150)), 0), None);
        assert_eq!(issue(&min, now, None, 0), None);
        let full = Terms {
            usage_limit: Some(5),
            uses_taken: 5,
            ..open()
        };
        assert_eq!(issue(&full, now, hundred, 0), Some(Issue::UsedUp));
        let once = Terms {
            per_customer_limit: Some(1),
            ..open()
        };
        assert_eq!(issue(&once, now, hundred, 0), None);
        assert_eq!(
            issue(&once, now, hundred, 1).map(|i| i.code()),
            Some("COUPON_USAGE_LIMIT")
        );
    }
}
