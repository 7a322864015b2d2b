//! A request body as the router's HTTP layer gets it: JSON, then every stage before execution
//! (parse, validate, variables, normalize, limits, cost, authorization, plan) on Micromall's
//! own supergraph. A crash, a hang or an answer outside the limits is a finding.

#![no_main]

use std::sync::LazyLock;

use libfuzzer_sys::fuzz_target;
use micromall_router::pipeline::cost::CostLimits;
use micromall_router::{GraphqlRequest, Router, RouterConfig, Supergraph};

static ROUTER: LazyLock<Router> = LazyLock::new(|| {
    let supergraph = Supergraph::parse(include_str!("../../schema/supergraph.graphql"))
        .expect("the checked-in supergraph loads");
    Router::new(supergraph, RouterConfig::default(), None)
});

fuzz_target!(|body: &[u8]| {
    let Ok(request) = serde_json::from_slice::<GraphqlRequest>(body) else {
        return;
    };
    if let Ok(ready) = ROUTER.prepare_request(request, &Default::default()) {
        let cost = ready.estimated_cost().unwrap_or(0.0);
        assert!(
            cost <= CostLimits::default().max as f64,
            "ready over budget: {cost}"
        );
    }
});
