//! `micromall backup` while the shop runs, `micromall restore` into a fresh data directory:
//! the restored shop answers the same accounts, orders and stock, and search finds the
//! products again (its index is rebuilt, not copied).

mod common;

use std::time::{Duration, Instant};

use common::shop::{PASSWORD, SANDBOX_SECRET, Shop, login};
use common::{gql, start_with};
use micromall_kit::testing::Backend;
use serde_json::json;

#[tokio::test]
async fn a_backup_taken_while_the_shop_runs_restores_into_the_same_shop() {
    let shop = Shop::start(Backend::Sqlite, &[]).await;
    let item = shop.product("Backup lantern", "20.00", 5).await;
    let email = format!("backup-{}@example.com", uuid::Uuid::now_v7().simple());
    let registered = gql(
        shop.base(),
        "mutation($i: RegisterInput!) { register(input: $i) { user { id } } }",
        json!({ "i": { "email": email, "password": PASSWORD, "name": "Backed Up" } }),
        None,
    )
    .await;
    let user = registered["data"]["register"]["user"]["id"].clone();
    let customer = login(shop.base(), &email, PASSWORD).await;
    shop.add_to_cart(&customer, &item.variant, 2).await;
    let placed = shop.checkout(&customer, "backup-checkout").await;
    let order = placed["order"]["id"].as_str().expect("an order").to_owned();
    shop.pay(&customer, &order, "sandbox_ok", "backup-pay")
        .await;
    let paid = shop
        .eventually(&customer, &order, |o| o["status"] == "PAID")
        .await;
    assert_eq!(shop.available(&item).await, 3);

    let dir = std::env::temp_dir().join(format!(
        "micromall-backup-{}",
        uuid::Uuid::now_v7().simple()
    ));
    let (ok, output) = shop
        .stack
        .command(&["backup", dir.to_str().expect("utf-8 path")]);
    assert!(ok, "backup failed: {output}");
    // A second backup into the same directory is refused rather than mixed in.
    let (again, output) = shop
        .stack
        .command(&["backup", dir.to_str().expect("utf-8 path")]);
    assert!(!again && output.contains("not empty"), "{output}");

    let fresh = std::env::temp_dir().join(format!(
        "micromall-restored-{}",
        uuid::Uuid::now_v7().simple()
    ));
    let restore = std::process::Command::new(env!("CARGO_BIN_EXE_micromall"))
        .args(["restore", dir.to_str().expect("utf-8 path")])
        .env("MICROMALL_DATA_DIR", &fresh)
        .env_remove("DATABASE_URL")
        .env_remove("NATS_URL")
        .env_remove("REDIS_URL")
        .output()
        .expect("run micromall restore");
    assert!(
        restore.status.success(),
        "restore failed: {}{}",
        String::from_utf8_lossy(&restore.stdout),
        String::from_utf8_lossy(&restore.stderr)
    );
    drop(shop);

    let fresh_dir = fresh.to_str().expect("utf-8 path");
    let restored = start_with(&[
        ("MICROMALL_DATA_DIR", fresh_dir),
        ("MICROMALL_DEMO_DATA", "0"),
        ("MICROMALL_SANDBOX_SECRET", SANDBOX_SECRET),
    ])
    .await;
    let base = restored.base.clone();
    // The account signs in with its password, and its order is there as it was.
    let customer = login(&base, &email, PASSWORD).await;
    let me = gql(&base, "{ me { id } }", json!({}), Some(&customer)).await;
    assert_eq!(me["data"]["me"]["id"], user);
    let order_now = gql(
        &base,
        "query($id: ID!) { order(id: $id) { id status total { amount } } }",
        json!({ "id": order }),
        Some(&customer),
    )
    .await;
    assert_eq!(order_now["data"]["order"]["status"], "PAID", "{order_now}");
    assert_eq!(order_now["data"]["order"]["id"], paid["id"]);
    assert_eq!(
        order_now["data"]["order"]["total"], placed["order"]["total"],
        "{order_now}"
    );
    // Stock as it was: three left after the paid order's two.
    let stock = gql(
        &base,
        "query($id: ID!) { product(id: $id) { variants { stock { available } } } }",
        json!({ "id": item.product }),
        None,
    )
    .await;
    assert_eq!(
        stock["data"]["product"]["variants"][0]["stock"]["available"], 3,
        "{stock}"
    );
    // Search was not copied: it rebuilds its index from catalog and finds the product.
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let found = gql(
            &base,
            "{ searchProducts(query: \"lantern\") { nodes { id } } }",
            json!({}),
            None,
        )
        .await;
        if found["data"]["searchProducts"]["nodes"][0]["id"] == json!(item.product) {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "search never found the product again: {found}"
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    // Restoring over data that is there is refused.
    let over = std::process::Command::new(env!("CARGO_BIN_EXE_micromall"))
        .args(["restore", dir.to_str().expect("utf-8 path")])
        .env("MICROMALL_DATA_DIR", &fresh)
        .output()
        .expect("run micromall restore");
    assert!(!over.status.success());
    assert!(String::from_utf8_lossy(&over.stderr).contains("empty data directory"));
    drop(restored);
    std::fs::remove_dir_all(&dir).ok();
    std::fs::remove_dir_all(&fresh).ok();
}
