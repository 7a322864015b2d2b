//! Which coupon codes a cart accepts. Coupons belong to marketing, which does not exist yet,
//! so every well-formed code is refused as unknown. When marketing arrives, this is the one
//! place that asks it (and maps its refusals to `COUPON_EXPIRED`, `COUPON_MINIMUM_NOT_MET`,
//! `COUPON_USAGE_LIMIT`).

use crate::rules::{CartError, clean_coupon_code};

/// The code to store on the cart, or why it cannot be applied.
pub fn accepted_coupon(code: &str) -> Result<String, CartError> {
    let _code = clean_coupon_code(code)?;
    Err(CartError::InvalidCoupon)
}
