//! Which real servers the tests may use (see the kit's `build/test_servers.rs`).
include!("../kit/build/test_servers.rs");
