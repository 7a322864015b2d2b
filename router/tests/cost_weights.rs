//! The cost estimate follows the weights a subgraph declares: `@cost` on a field, a type and
//! an argument, `@listSize(assumedSize:)`, the configured size for unbounded lists, and the
//! extra weight of a mutation. Estimated through the whole request pipeline, as a client's
//! operation is, from a supergraph composed by our own composition.

use micromall_router::compose::{SubgraphSdl, compose};
use micromall_router::pipeline::cost::{CostLimits, CostMode};
use micromall_router::{GraphqlRequest, Router, RouterConfig, Supergraph};
use reqwest::header::HeaderMap;

const SHOP: &str = r#"
extend schema @link(url: "https://specs.apollo.dev/federation/v2.9", import: ["@key", "@cost", "@listSize"])

type Query {
  featured: [Product!]! @listSize(assumedSize: 4)
  everything: [Product!]!
  search(text: String! @cost(weight: 7)): [Product!]! @listSize(assumedSize: 2)
  expensive: Report @cost(weight: 50)
}

type Mutation {
  touch(id: ID!): Product
}

type Product @key(fields: "id") {
  id: ID!
  name: String!
  warehouse: Warehouse
}

type Warehouse @cost(weight: 5) {
  code: String!
}

type Report {
  total: Int!
}
"#;

fn router(list_size: u64) -> Router {
    let sdl = compose(&[SubgraphSdl {
        name: "shop".into(),
        url: "http://unused.internal/graphql".into(),
        sdl: SHOP.into(),
    }])
    .expect("the shop composes");
    let config = RouterConfig {
        cost: CostLimits {
            mode: CostMode::Measure,
            max: 1_000_000,
            list_size,
        },
        ..RouterConfig::default()
    };
    Router::new(Supergraph::parse(&sdl).expect("loads"), config, None)
}

fn estimate(router: &Router, query: &str) -> f64 {
    let request = GraphqlRequest {
        query: Some(query.into()),
        operation_name: None,
        variables: None,
        extensions: None,
    };
    router
        .prepare_request(request, &HeaderMap::new())
        .unwrap_or_else(|refused| panic!("{query} refused: {}", refused.error.message))
        .estimated_cost()
        .expect("cost is measured")
}

#[test]
fn declared_weights_and_sizes_drive_the_estimate() {
    let router = router(10);
    // Four assumed products, each an object (1): 4.
    assert_eq!(estimate(&router, "{ featured { id name } }"), 4.0);
    // A type's @cost replaces the default object weight: 4 × (1 + 5).
    assert_eq!(
        estimate(&router, "{ featured { warehouse { code } } }"),
        24.0
    );
    // A field's @cost (50) on top of nothing else; its scalar child costs 0.
    assert_eq!(estimate(&router, "{ expensive { total } }"), 50.0);
    // An argument's @cost (7) is paid once, the list is assumed to hold 2: 2 × 1 + 7.
    assert_eq!(estimate(&router, r#"{ search(text: "x") { id } }"#), 9.0);
}

#[test]
fn an_unbounded_list_takes_the_configured_size() {
    assert_eq!(estimate(&router(10), "{ everything { id } }"), 10.0);
    assert_eq!(estimate(&router(30), "{ everything { id } }"), 30.0);
}

#[test]
fn a_mutation_costs_ten_more() {
    // 10 for being a mutation, 1 for the product it returns.
    assert_eq!(
        estimate(&router(10), r#"mutation { touch(id: "1") { id } }"#),
        11.0
    );
}
