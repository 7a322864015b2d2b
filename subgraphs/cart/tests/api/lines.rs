use micromall_kit::on_every_backend;
use micromall_kit::testing::Backend;
use serde_json::{Value, json};

use crate::support::{Shop, codes, money};

on_every_backend!(
    adding_updating_and_removing_lines_keeps_the_totals,
    prices_follow_the_catalog_in_one_call_per_cart,
    adding_a_variant_again_merges_into_its_line,
    a_line_holds_1_to_99,
    variants_that_are_not_for_sale_are_not_found,
    a_line_never_holds_more_than_the_stock,
    a_cart_holds_at_most_100_lines,
);

fn line_id(payload: &Value, index: usize) -> String {
    payload["cart"]["lines"][index]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("no line {index}: {payload}"))
        .to_owned()
}

async fn adding_updating_and_removing_lines_keeps_the_totals(backend: Backend) {
    let shop = Shop::start(backend).await;
    let shoes = shop.variant("19.99", 50).await;
    let socks = shop.variant("5.25", 50).await;
    let alice = shop.customer();

    let first = shop.add(&alice, &shoes, 2).await;
    assert_eq!(first["userErrors"], json!([]));
    let cart = &first["cart"];
    assert_eq!(cart["itemCount"], 2);
    assert_eq!(cart["couponCode"], Value::Null);
    assert_eq!(
        cart["lines"],
        json!([{
            "id": cart["lines"][0]["id"],
            "quantity": 2,
            "variant": { "id": shoes },
            "unitPrice": money("19.99"),
            "lineTotal": money("39.98"),
        }])
    );
    assert_eq!(cart["subtotal"], money("39.98"));
    assert_eq!(cart["discount"], money("0.00"));
    assert_eq!(cart["total"], money("39.98"));

    let second = shop.add(&alice, &socks, 3).await;
    let cart = &second["cart"];
    assert_eq!(cart["id"], first["cart"]["id"], "one cart per customer");
    assert_eq!(cart["itemCount"], 5);
    assert_eq!(cart["lines"][1]["lineTotal"], money("15.75"));
    assert_eq!(cart["subtotal"], money("55.73"));
    assert_eq!(cart["total"], money("55.73"));

    let shoes_line = line_id(&second, 0);
    let socks_line = line_id(&second, 1);
    let fewer = shop.update(&alice, &shoes_line, 1).await;
    assert_eq!(fewer["userErrors"], json!([]));
    assert_eq!(fewer["cart"]["itemCount"], 4);
    assert_eq!(fewer["cart"]["subtotal"], money("35.74"));

    let zero = shop.update(&alice, &socks_line, 0).await;
    assert_eq!(zero["userErrors"], json!([]));
    assert_eq!(zero["cart"]["lines"].as_array().unwrap().len(), 1);
    assert_eq!(zero["cart"]["total"], money("19.99"));

    let removed = shop.remove(&alice, &shoes_line).await;
    assert_eq!(removed["userErrors"], json!([]));
    assert_eq!(removed["cart"]["lines"], json!([]));
    assert_eq!(removed["cart"]["itemCount"], 0);
    assert_eq!(removed["cart"]["total"], money("0.00"));
    // An emptied cart is still there, empty.
    assert_eq!(shop.cart_of(&alice).await, removed["cart"]);
    let again = shop.remove(&alice, &shoes_line).await;
    assert_eq!(codes(&again), ["NOT_FOUND"]);
}

async fn prices_follow_the_catalog_in_one_call_per_cart(backend: Backend) {
    let shop = Shop::start(backend).await;
    let alice = shop.customer();
    let product = shop.product("Hoodie", &["40.00", "42.00", "44.00"]).await;
    for variant in &product.variants {
        shop.set_stock(variant, 10).await;
        shop.add(&alice, variant, 1).await;
    }
    assert_eq!(shop.cart_of(&alice).await["subtotal"], money("126.00"));

    shop.set_price(&product.variants[0], "35.5").await;
    let catalog_queries = &shop.catalog.running().runtime.queries;
    catalog_queries.start();
    let cart = shop.cart_of(&alice).await;
    let statements = catalog_queries.stop();
    assert_eq!(cart["lines"][0]["unitPrice"], money("35.50"));
    assert_eq!(cart["lines"][0]["lineTotal"], money("35.50"));
    assert_eq!(cart["subtotal"], money("121.50"));
    assert_eq!(cart["total"], money("121.50"));
    // Three lines, one question to catalog.
    let variant_reads = statements
        .iter()
        .filter(|s| s.contains("FROM \"variants\""))
        .count();
    assert_eq!(variant_reads, 1, "{statements:#?}");
}

async fn adding_a_variant_again_merges_into_its_line(backend: Backend) {
    let shop = Shop::start(backend).await;
    let variant = shop.variant("2.50", 30).await;
    let alice = shop.customer();
    let first = shop.add(&alice, &variant, 2).await;
    let second = shop.add(&alice, &variant, 3).await;
    assert_eq!(second["userErrors"], json!([]));
    let lines = second["cart"]["lines"].as_array().unwrap();
    assert_eq!(lines.len(), 1);
    assert_eq!(lines[0]["id"], first["cart"]["lines"][0]["id"], "same line");
    assert_eq!(lines[0]["quantity"], 5);
    assert_eq!(lines[0]["lineTotal"], money("12.50"));
    assert_eq!(second["cart"]["itemCount"], 5);
}

async fn a_line_holds_1_to_99(backend: Backend) {
    let shop = Shop::start(backend).await;
    let variant = shop.variant("1.00", 500).await;
    let alice = shop.customer();
    for quantity in [0, 100] {
        let payload = shop.add(&alice, &variant, quantity).await;
        assert_eq!(codes(&payload), ["INVALID_QUANTITY"], "{quantity}");
        assert_eq!(payload["cart"], Value::Null);
    }
    assert_eq!(
        shop.add(&alice, &variant, 99).await["userErrors"],
        json!([])
    );
    let past = shop.add(&alice, &variant, 1).await;
    assert_eq!(codes(&past), ["INVALID_QUANTITY"]);
    assert!(
        past["userErrors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("99"),
        "{past}"
    );
    let cart = shop.cart_of(&alice).await;
    assert_eq!(cart["lines"][0]["quantity"], 99, "unchanged by the refusal");
    let line = cart["lines"][0]["id"].as_str().unwrap().to_owned();
    for quantity in [100, -1] {
        let payload = shop.update(&alice, &line, quantity).await;
        assert_eq!(codes(&payload), ["INVALID_QUANTITY"], "{quantity}");
        assert_eq!(payload["userErrors"][0]["field"], json!(["quantity"]));
    }
    assert_eq!(shop.update(&alice, &line, 1).await["cart"]["itemCount"], 1);
}

async fn variants_that_are_not_for_sale_are_not_found(backend: Backend) {
    let shop = Shop::start(backend).await;
    let alice = shop.customer();
    let kept = shop.product("Kept", &["9.00"]).await;
    let gone = shop.product("Gone", &["7.00"]).await;
    shop.set_stock(&kept.variants[0], 10).await;
    shop.set_stock(&gone.variants[0], 10).await;
    let added = shop.add(&alice, &kept.variants[0], 1).await;
    let kept_line = line_id(&added, 0);
    shop.archive(&kept.id).await;
    shop.archive(&gone.id).await;

    let payload = shop.add(&alice, &gone.variants[0], 1).await;
    assert_eq!(codes(&payload), ["NOT_FOUND"], "archived product");
    assert_eq!(payload["userErrors"][0]["field"], json!(["variantId"]));
    // A line bought before the archiving still shows (catalog knows its price), cannot grow,
    // and can be removed.
    let cart = shop.cart_of(&alice).await;
    assert_eq!(cart["lines"][0]["unitPrice"], money("9.00"));
    let grow = shop.update(&alice, &kept_line, 2).await;
    assert_eq!(codes(&grow), ["NOT_FOUND"]);
    let again = shop.add(&alice, &kept.variants[0], 1).await;
    assert_eq!(codes(&again), ["NOT_FOUND"]);
    let removed = shop.remove(&alice, &kept_line).await;
    assert_eq!(removed["cart"]["lines"], json!([]));
}

async fn a_line_never_holds_more_than_the_stock(backend: Backend) {
    let shop = Shop::start(backend).await;
    let scarce = shop.variant("15.00", 3).await;
    let sold_out = shop.variant("15.00", 0).await;
    let alice = shop.customer();

    let too_many = shop.add(&alice, &scarce, 4).await;
    assert_eq!(codes(&too_many), ["INSUFFICIENT_STOCK"]);
    assert_eq!(too_many["cart"], Value::Null);
    assert!(
        too_many["userErrors"][0]["message"]
            .as_str()
            .unwrap()
            .contains('3'),
        "says how many are available: {too_many}"
    );
    let two = shop.add(&alice, &scarce, 2).await;
    assert_eq!(two["userErrors"], json!([]));
    let merged = shop.add(&alice, &scarce, 2).await;
    assert_eq!(codes(&merged), ["INSUFFICIENT_STOCK"], "2 + 2 > 3");
    let line = line_id(&two, 0);
    assert_eq!(shop.update(&alice, &line, 3).await["cart"]["itemCount"], 3);
    let over = shop.update(&alice, &line, 4).await;
    assert_eq!(codes(&over), ["INSUFFICIENT_STOCK"]);
    let none = shop.add(&alice, &sold_out, 1).await;
    assert_eq!(codes(&none), ["INSUFFICIENT_STOCK"]);
    assert_eq!(shop.cart_of(&alice).await["itemCount"], 3);
}

async fn a_cart_holds_at_most_100_lines(backend: Backend) {
    let shop = Shop::start(backend).await;
    let prices = vec!["1.00"; 100];
    let many = shop.product("Many", &prices).await;
    let one_more = shop.variant("1.00", 5).await;
    let alice = shop.customer();
    for variant in &many.variants {
        shop.set_stock(variant, 5).await;
        let payload = shop.add(&alice, variant, 1).await;
        assert_eq!(payload["userErrors"], json!([]), "{payload}");
    }
    let refused = shop.add(&alice, &one_more, 1).await;
    assert_eq!(codes(&refused), ["INVALID_QUANTITY"]);
    assert!(
        refused["userErrors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("100"),
        "{refused}"
    );
    // A line already there can still grow.
    let grown = shop.add(&alice, &many.variants[0], 1).await;
    assert_eq!(grown["userErrors"], json!([]));
    assert_eq!(grown["cart"]["itemCount"], 101);
}
