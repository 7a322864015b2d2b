//! Marketing's pure rules: what a coupon or promotion may be (`offers`), whether a coupon
//! can be used now (`standing`), what everything takes off a cart (`pricing`) and what the
//! home page shows (`home`).

pub mod home;
pub mod offers;
pub mod pricing;
pub mod standing;

/// The permission every marketing mutation and admin read needs.
pub const MARKETING_WRITE: &str = "marketing:write";
