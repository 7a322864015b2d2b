use micromall_kit::on_every_backend;
use micromall_kit::testing::Backend;
use serde_json::json;

use crate::support::Shop;

on_every_backend!(parallel_adds_of_one_variant_all_count);

async fn parallel_adds_of_one_variant_all_count(backend: Backend) {
    let shop = Shop::start(backend).await;
    let variant = shop.variant("3.00", 100).await;
    // A new customer: the parallel adds also race to create the cart.
    let alice = shop.customer();
    let adds = (0..10).map(|_| shop.add(&alice, &variant, 1));
    for payload in futures::future::join_all(adds).await {
        assert_eq!(payload["userErrors"], json!([]), "{payload}");
    }
    let cart = shop.cart_of(&alice).await;
    assert_eq!(cart["lines"].as_array().unwrap().len(), 1);
    assert_eq!(cart["lines"][0]["quantity"], 10);
    assert_eq!(cart["total"]["amount"], "30.00");
    assert_eq!(shop.snapshot(&alice).await["version"], 10);
}
