//! The request pipeline, one stage per module, in the order a request meets them:
//! `parse` → `validate` → `variables` → `normalize` → `limits` → `cost` → `authorization`;
//! planning and execution follow in their own modules.

pub mod authorization;
pub mod cost;
pub mod limits;
pub mod normalize;
pub mod prepare;

pub use prepare::{
    Coerced, Prepared, RequestError, coerce, normalize_within_limits, parse_and_validate, prepare,
};
