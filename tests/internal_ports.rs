//! `/internal/*` on ports of its own (`MICROMALL_INTERNAL_PORT_BASE`): gone from the
//! subgraphs' main ports, which are the ones exposed, while checkout still asks cart,
//! catalog, inventory and marketing through the internal ones.

mod common;

use common::free_port_base;
use common::shop::Shop;
use micromall_kit::testing::Backend;
use serde_json::json;

#[tokio::test]
async fn internal_endpoints_leave_the_main_ports_and_checkout_still_works() {
    let internal_base = free_port_base(14);
    let shop = Shop::start(
        Backend::Sqlite,
        &[("MICROMALL_INTERNAL_PORT_BASE", &internal_base.to_string())],
    )
    .await;
    let item = shop.product("Internal-port lamp", "10.00", 3).await;
    let customer = shop.customer("internal-ports").await;
    shop.add_to_cart(&customer, &item.variant, 1).await;
    let placed = shop.checkout(&customer, "internal-ports-checkout").await;
    assert!(placed["order"]["id"].is_string(), "{placed}");
    assert_eq!(
        shop.available(&item).await,
        2,
        "the stock was held over inventory's internal port"
    );

    let http = reqwest::Client::new();
    let catalog_main = shop.stack.subgraph(1);
    let catalog_internal = format!("http://127.0.0.1:{}", internal_base + 1);
    let post = |url: String, body: serde_json::Value| {
        let http = http.clone();
        async move {
            http.post(url)
                .json(&body)
                .send()
                .await
                .expect("answered")
                .status()
                .as_u16()
        }
    };
    let variants = json!({ "ids": [item.variant] });
    assert_eq!(
        post(
            format!("{catalog_main}/internal/variants"),
            variants.clone()
        )
        .await,
        404,
        "the main port no longer serves /internal"
    );
    assert_eq!(
        post(format!("{catalog_internal}/internal/variants"), variants).await,
        401,
        "the internal port serves it, to services with a credential"
    );
    assert_eq!(
        post(
            format!("{catalog_internal}/graphql"),
            json!({ "query": "{ __typename }" })
        )
        .await,
        404,
        "the internal port serves nothing else"
    );
    assert_eq!(
        post(
            format!("{catalog_main}/graphql"),
            json!({ "query": "{ __typename }" })
        )
        .await,
        200
    );
}
