//! Which real servers the end-to-end tests may use (see `subgraphs/kit/build/test_servers.rs`).
include!("subgraphs/kit/build/test_servers.rs");
