//! Everything cart refuses, and the one place each refusal gets its contract code (the
//! `CartPayload` codes), message and input path.
//!
//! A refusal's path names the argument of the mutation it comes from: the same "not for sale"
//! is about `variantId` when adding and about `lineId` when changing a line, so the two are
//! separate variants.

use micromall_kit::DomainRefusal;
use micromall_kit::outcome::path;

use crate::rules::{MAX_LINE_QUANTITY, MAX_LINES};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// The asked quantity is outside 1..=99.
    QuantityOutOfRange,
    /// Adding would take the line past 99.
    LineWouldOverflow {
        in_cart: i32,
    },
    /// `addToCart` of a new variant to a cart that already holds `MAX_LINES`.
    TooManyLines,
    /// `addToCart` of a variant unknown to catalog, no longer sold, or a malformed id.
    VariantNotFound,
    /// `updateCartLine` of a line whose variant is no longer sold.
    LineNotForSale,
    /// Not a line of the caller's cart (or a malformed id).
    LineNotFound,
    /// The caller has no cart yet.
    NoCart,
    /// The `cartToken` reaches no cart (expired, merged, or never issued).
    GuestCartNotFound,
    /// The line would hold more than inventory has.
    InsufficientStock {
        available: i64,
    },
    InvalidCoupon,
    /// Marketing says the coupon cannot be applied now: its code (one of the contract's coupon
    /// codes) and why.
    Coupon {
        code: &'static str,
        message: String,
    },
}

impl Refusal {
    /// Marketing's reason a coupon gives nothing, as cart's refusal.
    pub fn coupon(issue: &micromall_kit::contracts::marketing::CouponIssue) -> Refusal {
        let code = micromall_kit::contracts::marketing::coupon_code(&issue.code);
        Refusal::Coupon {
            code,
            message: issue.message.clone(),
        }
    }
}

impl DomainRefusal for Refusal {
    fn code(&self) -> &'static str {
        match self {
            Refusal::QuantityOutOfRange
            | Refusal::LineWouldOverflow { .. }
            | Refusal::TooManyLines => "INVALID_QUANTITY",
            Refusal::VariantNotFound
            | Refusal::LineNotForSale
            | Refusal::LineNotFound
            | Refusal::NoCart
            | Refusal::GuestCartNotFound => "NOT_FOUND",
            Refusal::InsufficientStock { .. } => "INSUFFICIENT_STOCK",
            Refusal::InvalidCoupon => "INVALID_COUPON",
            Refusal::Coupon { code, .. } => code,
        }
    }

    fn message(&self) -> String {
        match self {
            Refusal::QuantityOutOfRange => {
                format!("quantity must be between 1 and {MAX_LINE_QUANTITY}")
            }
            Refusal::LineWouldOverflow { in_cart } => format!(
                "your cart already holds {in_cart} of this item; a line holds at most {MAX_LINE_QUANTITY}"
            ),
            Refusal::TooManyLines => {
                format!("a cart holds at most {MAX_LINES} different items")
            }
            Refusal::VariantNotFound | Refusal::LineNotForSale => {
                "this item is not for sale".to_owned()
            }
            Refusal::LineNotFound => "no such line in your cart".to_owned(),
            Refusal::NoCart => "you have no cart yet".to_owned(),
            Refusal::GuestCartNotFound => {
                "this cart token reaches no cart: it expired or was merged".to_owned()
            }
            Refusal::InsufficientStock { available: 0 } => "this item is out of stock".to_owned(),
            Refusal::InsufficientStock { available } => {
                format!("only {available} of this item available")
            }
            Refusal::InvalidCoupon => "this coupon code is not valid".to_owned(),
            Refusal::Coupon { message, .. } => message.clone(),
        }
    }

    fn field(&self) -> Option<Vec<String>> {
        match self {
            Refusal::QuantityOutOfRange
            | Refusal::LineWouldOverflow { .. }
            | Refusal::InsufficientStock { .. } => path(&["quantity"]),
            Refusal::TooManyLines | Refusal::VariantNotFound => path(&["variantId"]),
            Refusal::LineNotForSale | Refusal::LineNotFound => path(&["lineId"]),
            Refusal::InvalidCoupon | Refusal::Coupon { .. } => path(&["code"]),
            Refusal::GuestCartNotFound => path(&["cartToken"]),
            Refusal::NoCart => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field(refusal: Refusal) -> Option<String> {
        refusal.field().map(|path| path.join("."))
    }

    #[test]
    fn each_refusal_names_the_argument_it_is_about() {
        assert_eq!(field(Refusal::QuantityOutOfRange).unwrap(), "quantity");
        assert_eq!(
            field(Refusal::LineWouldOverflow { in_cart: 90 }).unwrap(),
            "quantity"
        );
        assert_eq!(
            field(Refusal::InsufficientStock { available: 2 }).unwrap(),
            "quantity"
        );
        assert_eq!(field(Refusal::TooManyLines).unwrap(), "variantId");
        assert_eq!(field(Refusal::VariantNotFound).unwrap(), "variantId");
        // The same "not for sale", met while changing a line, is about that line.
        assert_eq!(field(Refusal::LineNotForSale).unwrap(), "lineId");
        assert_eq!(
            Refusal::LineNotForSale.code(),
            Refusal::VariantNotFound.code()
        );
        assert_eq!(field(Refusal::LineNotFound).unwrap(), "lineId");
        assert_eq!(field(Refusal::InvalidCoupon).unwrap(), "code");
        assert_eq!(field(Refusal::NoCart), None);
    }
}
