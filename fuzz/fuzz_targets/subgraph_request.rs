//! A request body sent straight to a subgraph (the catalog, on SQLite) over HTTP, as a caller
//! that bypassed the router would: body limit, JSON, token check, async-graphql parsing,
//! validation, depth and complexity limits, and execution against the database. A crash of the
//! subgraph, a hang or a 5xx is a finding.

#![no_main]

use std::sync::LazyLock;

use libfuzzer_sys::fuzz_target;
use micromall_fuzz::Target;

static TARGET: LazyLock<Target> =
    LazyLock::new(|| Target::start(&micromall_catalog::SUBGRAPH, |_| {}));

fuzz_target!(|body: &[u8]| {
    let target = &*TARGET;
    let status = target.runtime.block_on(async {
        target
            .http
            .post(target.subgraph.url())
            .header("content-type", "application/json")
            .body(body.to_vec())
            .send()
            .await
            .expect("the subgraph answers")
            .status()
    });
    assert!(!status.is_server_error(), "HTTP {status}");
});
