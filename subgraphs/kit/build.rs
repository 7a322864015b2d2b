//! Which real servers the tests may use (see `build/test_servers.rs`).
include!("build/test_servers.rs");
