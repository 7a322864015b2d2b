//! Cart rules as pure functions; what their refusals mean to a client is in `refusal`.

use crate::refusal::Refusal;

/// Most of one variant a line holds.
pub const MAX_LINE_QUANTITY: i32 = 99;
/// Most different variants one cart holds.
pub const MAX_LINES: u64 = 100;
/// Longest coupon code accepted; longer input is refused before anything looks it up.
pub const MAX_COUPON_CHARS: usize = 64;

/// A quantity a line may be set to.
pub fn check_quantity(quantity: i32) -> Result<i32, Refusal> {
    if (1..=MAX_LINE_QUANTITY).contains(&quantity) {
        Ok(quantity)
    } else {
        Err(Refusal::QuantityOutOfRange)
    }
}

/// The line quantity after adding `adding` to the `in_cart` already there.
pub fn merged_quantity(in_cart: i32, adding: i32) -> Result<i32, Refusal> {
    in_cart
        .checked_add(adding)
        .filter(|q| *q <= MAX_LINE_QUANTITY)
        .ok_or(Refusal::LineWouldOverflow { in_cart })
}

/// Whether one more line fits in a cart holding `lines`.
pub fn check_room_for_line(lines: u64) -> Result<(), Refusal> {
    if lines < MAX_LINES {
        Ok(())
    } else {
        Err(Refusal::TooManyLines)
    }
}

/// A line may hold at most what inventory has available.
pub fn check_stock(quantity: i32, available: i64) -> Result<(), Refusal> {
    if i64::from(quantity) <= available {
        Ok(())
    } else {
        Err(Refusal::InsufficientStock {
            available: available.max(0),
        })
    }
}

/// A coupon code as typed: trimmed, non-empty, bounded, printable.
pub fn clean_coupon_code(code: &str) -> Result<String, Refusal> {
    let code = code.trim();
    if code.is_empty()
        || code.chars().count() > MAX_COUPON_CHARS
        || code.chars().any(char::is_control)
    {
        return Err(Refusal::InvalidCoupon);
    }
    Ok(code.to_owned())
}

#[cfg(test)]
mod tests {
    use micromall_kit::DomainRefusal;

    use super::*;

    #[test]
    fn quantities_stay_within_a_line() {
        assert_eq!(check_quantity(1), Ok(1));
        assert_eq!(check_quantity(99), Ok(99));
        assert_eq!(check_quantity(0), Err(Refusal::QuantityOutOfRange));
        assert_eq!(check_quantity(100), Err(Refusal::QuantityOutOfRange));
        assert_eq!(check_quantity(-3), Err(Refusal::QuantityOutOfRange));
        assert_eq!(merged_quantity(90, 9), Ok(99));
        assert_eq!(
            merged_quantity(90, 10),
            Err(Refusal::LineWouldOverflow { in_cart: 90 })
        );
        assert!(merged_quantity(i32::MAX, 1).is_err());
    }

    #[test]
    fn a_cart_holds_a_bounded_number_of_lines() {
        assert!(check_room_for_line(99).is_ok());
        assert_eq!(check_room_for_line(100), Err(Refusal::TooManyLines));
        assert_eq!(Refusal::TooManyLines.code(), "INVALID_QUANTITY");
    }

    #[test]
    fn stock_bounds_the_line() {
        assert!(check_stock(3, 3).is_ok());
        let refusal = check_stock(4, 3).unwrap_err();
        assert_eq!(refusal.code(), "INSUFFICIENT_STOCK");
        assert_eq!(refusal.message(), "only 3 of this item available");
        assert_eq!(
            check_stock(1, -2),
            Err(Refusal::InsufficientStock { available: 0 })
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
