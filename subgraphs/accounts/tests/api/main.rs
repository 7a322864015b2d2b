//! The accounts subgraph through its HTTP API, as clients and the router use it.

mod support;

mod bad_input;
mod bootstrap;
mod entities;
mod events;
mod lockout;
mod registration;
mod roles;
mod sessions;
mod tokens;
