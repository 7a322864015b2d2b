//! The `sandbox` payment provider. `processor` is the pretend third party — a separate HTTP
//! service that behaves like a real card processor: asynchronous, signs its callbacks, and
//! sometimes delivers them twice or late. `adapter` is Micromall's side of it, the same
//! shape an adapter for a real processor has. `wire` is the processor's HTTP API.

pub mod adapter;
pub mod processor;
pub mod wire;

/// The processor signs its callbacks the way the kit's webhooks are checked.
pub use micromall_kit::webhook as signature;

/// Tokens the sandbox understands.
pub const TOKEN_OK: &str = "sandbox_ok";
pub const TOKEN_DECLINE: &str = "sandbox_decline";
pub const TOKEN_TIMEOUT: &str = "sandbox_timeout";
