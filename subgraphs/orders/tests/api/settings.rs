//! Orders is built from its own section of the configuration alone. `Runtime` hands a domain
//! its section (`runtime.section::<OrdersSettings>()`) and what the platform shares, never
//! the whole configuration; here the section comes from a configuration file that holds
//! nothing else, read the way `micromall --config` reads it, and its values take effect.

use chrono::{DateTime, TimeDelta, Utc};
use micromall_kit::config::Settings;
use micromall_kit::on_every_backend;
use micromall_kit::testing::{Backend, codes};

use crate::support::Shop;

on_every_backend!(orders_runs_on_a_configuration_of_only_its_section);

async fn orders_runs_on_a_configuration_of_only_its_section(backend: Backend) {
    let dir = std::env::temp_dir().join(format!("mm-orders-section-{}", uuid::Uuid::now_v7()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("micromall.toml");
    std::fs::write(
        &file,
        "[orders]\nmax_pending_per_customer = 1\npayment_timeout = \"90s\"\n",
    )
    .unwrap();
    let loaded = Settings::load_from(Some(&file), Vec::new()).expect("the file loads");
    std::fs::remove_dir_all(&dir).ok();
    let shop = Shop::start_with(backend, |s| s.orders = loaded.orders.clone()).await;

    let mug = shop.variant("Mug", "9.50", 5).await;
    let buyer = shop.customer();
    let before = Utc::now();
    let order = shop.place_order(&buyer, &mug, 1).await;
    let after = Utc::now();

    // The file's payment timeout: due 90 s after checkout.
    let due: DateTime<Utc> = order["paymentDueAt"]
        .as_str()
        .and_then(|t| t.parse().ok())
        .unwrap_or_else(|| panic!("no due time: {order}"));
    let timeout = TimeDelta::seconds(90);
    assert!(
        due >= before + timeout - TimeDelta::seconds(1) && due <= after + timeout,
        "due {due}, checked out between {before} and {after}"
    );

    // The file's cap: one unpaid order.
    shop.add_to_cart(&buyer, &mug, 1).await;
    let second = shop.checkout(&buyer, "second").await;
    assert_eq!(codes(&second), ["TOO_MANY_PENDING_ORDERS"], "{second}");
}
