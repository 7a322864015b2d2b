//! The `sandbox` carrier. `service` is the pretend third party — a separate HTTP service that
//! behaves like a real parcel carrier: it sells labels, then scans the parcel over time and
//! calls the merchant back, signed, about each scan — sometimes twice, late, or out of
//! order, and sometimes with a delivery exception on the way. `adapter` is Micromall's side
//! of it, the shape an adapter for a real carrier has. `wire` is the carrier's HTTP API and
//! `journey` the scans a parcel gets.

pub mod adapter;
pub mod journey;
pub mod service;
pub mod wire;

pub use micromall_kit::webhook as signature;
