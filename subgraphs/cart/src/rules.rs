//! Cart rules as pure functions, and the refusals they end in (the `CartPayload` codes).

/// Most of one variant a line holds.
pub const MAX_LINE_QUANTITY: i32 = 99;
/// Most different variants one cart holds.
pub const MAX_LINES: u64 = 100;
/// Longest coupon code accepted; longer input is refused before anything looks it up.
pub const MAX_COUPON_CHARS: usize = 64;

/// Why a cart change was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CartError {
    /// The asked quantity is outside 1..=99.
    QuantityOutOfRange,
    /// Adding would take the line past 99.
    LineWouldOverflow {
        in_cart: i32,
    },
    /// The cart already holds `MAX_LINES` variants.
    TooManyLines,
    /// Unknown to catalog, no longer sold, or a malformed id.
    VariantNotFound,
    /// Not a line of the caller's cart (or a malformed id).
    LineNotFound,
    /// The caller has no cart yet.
    NoCart,
    /// The line would hold more than inventory has.
    InsufficientStock {
        available: i64,
    },
    InvalidCoupon,
}

impl CartError {
    pub fn code(&self) -> &'static str {
        match self {
            CartError::QuantityOutOfRange
            | CartError::LineWouldOverflow { .. }
            | CartError::TooManyLines => "INVALID_QUANTITY",
            CartError::VariantNotFound | CartError::LineNotFound | CartError::NoCart => "NOT_FOUND",
            CartError::InsufficientStock { .. } => "INSUFFICIENT_STOCK",
            CartError::InvalidCoupon => "INVALID_COUPON",
        }
    }

    pub fn message(&self) -> String {
        match self {
            CartError::QuantityOutOfRange => {
                format!("quantity must be between 1 and {MAX_LINE_QUANTITY}")
            }
            CartError::LineWouldOverflow { in_cart } => format!(
                "your cart already holds {in_cart} of this item; a line holds at most {MAX_LINE_QUANTITY}"
            ),
            CartError::TooManyLines => {
                format!("a cart holds at most {MAX_LINES} different items")
            }
            CartError::VariantNotFound => "this item is not for sale".to_owned(),
            CartError::LineNotFound => "no such line in your cart".to_owned(),
            CartError::NoCart => "you have no cart yet".to_owned(),
            CartError::InsufficientStock { available: 0 } => "this item is out of stock".to_owned(),
            CartError::InsufficientStock { available } => {
                format!("only {available} of this item available")
            }
            CartError::InvalidCoupon => "this coupon code is not valid".to_owned(),
        }
    }
}

/// A quantity a line may be set to.
pub fn check_quantity(quantity: i32) -> Result<i32, CartError> {
    if (1..=MAX_LINE_QUANTITY).contains(&quantity) {
        Ok(quantity)
    } else {
        Err(CartError::QuantityOutOfRange)
    }
}

/// The line quantity after adding `adding` to the `in_cart` already there.
pub fn merged_quantity(in_cart: i32, adding: i32) -> Result<i32, CartError> {
    in_cart
        .checked_add(adding)
        .filter(|q| *q <= MAX_LINE_QUANTITY)
        .ok_or(CartError::LineWouldOverflow { in_cart })
}

/// Whether one more line fits in a cart holding `lines`.
pub fn check_room_for_line(lines: u64) -> Result<(), CartError> {
    if lines < MAX_LINES {
        Ok(())
    } else {
        Err(CartError::TooManyLines)
    }
}

/// A line may hold at most what inventory has available.
pub fn check_stock(quantity: i32, available: i64) -> Result<(), CartError> {
    if i64::from(quantity) <= available {
        Ok(())
    } else {
        Err(CartError::InsufficientStock {
            available: available.max(0),
        })
    }
}

/// A coupon code as typed: trimmed, non-empty, bounded, printable.
pub fn clean_coupon_code(code: &str) -> Result<String, CartError> {
    let code = code.trim();
    if code.is_empty()
        || code.chars().count() > MAX_COUPON_CHARS
        || code.chars().any(char::is_control)
    {
        return Err(CartError::InvalidCoupon);
    }
    Ok(code.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantities_stay_within_a_line() {
        assert_eq!(check_quantity(1), Ok(1));
        assert_eq!(check_quantity(99), Ok(99));
        assert_eq!(check_quantity(0), Err(CartError::QuantityOutOfRange));
        assert_eq!(check_quantity(100), Err(CartError::QuantityOutOfRange));
        assert_eq!(check_quantity(-3), Err(CartError::QuantityOutOfRange));
        assert_eq!(merged_quantity(90, 9), Ok(99));
        assert_eq!(
            merged_quantity(90, 10),
            Err(CartError::LineWouldOverflow { in_cart: 90 })
        );
        assert!(merged_quantity(i32::MAX, 1).is_err());
    }

    #[test]
    fn a_cart_holds_a_bounded_number_of_lines() {
        assert!(check_room_for_line(99).is_ok());
        assert_eq!(check_room_for_line(100), Err(CartError::TooManyLines));
        assert_eq!(CartError::TooManyLines.code(), "INVALID_QUANTITY");
    }

    #[test]
    fn stock_bounds_the_line() {
        assert!(check_stock(3, 3).is_ok());
        let refusal = check_stock(4, 3).unwrap_err();
        assert_eq!(refusal.code(), "INSUFFICIENT_STOCK");
        assert_eq!(refusal.message(), "only 3 of this item available");
        assert_eq!(
            check_stock(1, -2),
            Err(CartError::InsufficientStock { available: 0 })
        );
    }

    #[test]
    fn coupon_codes_are_bounded() {
        assert_eq!(clean_coupon_code("  SPRING10 "), Ok("SPRING10".to_owned()));
        assert!(clean_coupon_code("   ").is_err());
        assert!(clean_coupon_code(&"X".repeat(65)).is_err());
        assert!(clean_coupon_code("A\u{0}B").is_err());
    }
}
