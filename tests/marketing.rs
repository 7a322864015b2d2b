//! Issue 12 through the router, on the embedded stack (SQLite, in-process bus) and on
//! PostgreSQL + NATS + Redis when `MICROMALL_TEST_*` are set: every coupon kind and scope
//! priced to the cent, each refusal and the reason a coupon stops applying, a coupon's budget
//! raced by thirty checkouts, promotions chosen, stacked and kept on placed orders, the home
//! page following sales, banners and announcements, and a guest's cart merged at sign-in.

mod common;

use std::time::{Duration, Instant};

use common::shop::{Item, Shop, address};
use micromall_kit::testing::Backend;
use serde_json::{Value, json};

const CART: &str =
    "cart { subtotal { amount } discount { amount } total { amount } couponCode freeShipping
    couponIssue { code message field }
    lines { variant { id } quantity discount { amount } discountSources lineTotal { amount } } }";

const ORDER: &str =
    "id status subtotal { amount } discount { amount } shippingCost { amount } total { amount }
    discounts { source code amount { amount } }
    lines { variant { id } discount { amount } lineTotal { amount } }";

/// Makes a coupon from `input` (admin); its id.
async fn coupon(shop: &Shop, input: Value) -> String {
    let made = shop
        .gql(
            "mutation($i: CreateCouponInput!) { createCoupon(input: $i) { coupon { id code } userErrors { code field message } } }",
            json!({ "i": input }),
            &shop.admin,
        )
        .await;
    made["data"]["createCoupon"]["coupon"]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("createCoupon failed: {made}"))
        .to_owned()
}

async fn promotion(shop: &Shop, input: Value) -> String {
    let made = shop
        .gql(
            "mutation($i: PromotionInput!) { createPromotion(input: $i) { promotion { id } userErrors { code field message } } }",
            json!({ "i": input }),
            &shop.admin,
        )
        .await;
    made["data"]["createPromotion"]["promotion"]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("createPromotion failed: {made}"))
        .to_owned()
}

/// `applyCoupon`'s payload.
async fn apply(shop: &Shop, token: &str, code: &str) -> Value {
    let body = shop
        .gql(
            &format!("mutation($c: String!) {{ applyCoupon(code: $c) {{ {CART} userErrors {{ code field message }} }} }}"),
            json!({ "c": code }),
            token,
        )
        .await;
    assert!(body.get("errors").is_none(), "{body}");
    body["data"]["applyCoupon"].clone()
}

async fn cart(shop: &Shop, token: &str) -> Value {
    let body = shop.gql(&format!("{{ {CART} }}"), json!({}), token).await;
    assert!(body.get("errors").is_none(), "{body}");
    body["data"]["cart"].clone()
}

async fn checkout(shop: &Shop, token: &str) -> Value {
    let body = shop
        .gql(
            &format!("mutation($i: CheckoutInput!) {{ checkout(input: $i) {{ order {{ {ORDER} }} userErrors {{ code field message }} }} }}"),
            json!({ "i": { "idempotencyKey": uuid::Uuid::now_v7().to_string(), "shippingAddress": address() } }),
            token,
        )
        .await;
    assert!(body.get("errors").is_none(), "{body}");
    body["data"]["checkout"].clone()
}

fn amount(value: &Value) -> &str {
    value["amount"]
        .as_str()
        .unwrap_or_else(|| panic!("no amount: {value}"))
}

/// The discount shown on the cart line of `item`.
fn line_discount<'a>(cart: &'a Value, item: &Item) -> &'a Value {
    cart["lines"]
        .as_array()
        .and_then(|lines| lines.iter().find(|l| l["variant"]["id"] == item.variant))
        .unwrap_or_else(|| panic!("no line for {}: {cart}", item.variant))
}

/// A flat 4.99 delivery zone for the test address's country.
async fn flat_delivery(shop: &Shop) {
    let country = address()["country"].clone();
    let zone = shop
        .gql(
            "mutation($c: [String!]!) { createShippingZone(input: {name: \"Everywhere\", countries: $c}) { zone { id } userErrors { code } } }",
            json!({ "c": [country] }),
            &shop.admin,
        )
        .await;
    let zone = zone["data"]["createShippingZone"]["zone"]["id"].clone();
    let method = shop
        .gql(
            "mutation($i: ShippingMethodInput!) { createShippingMethod(input: $i) { zone { id } userErrors { code } } }",
            json!({ "i": { "zoneId": zone, "name": "Flat", "kind": "FLAT", "price": "4.99", "minDeliveryDays": 2, "maxDeliveryDays": 4 } }),
            &shop.admin,
        )
        .await;
    assert!(
        method["data"]["createShippingMethod"]["zone"].is_object(),
        "{method}"
    );
}

/// Three products: running shoes (a category under Shoes) at 19.99, socks (no category) at
/// 5.00 and a jacket at 40.00; a customer's cart of three shoes, one pair of socks, one jacket.
struct Basket {
    shoes_category: String,
    shoes: Item,
    socks: Item,
    jacket: Item,
}

async fn basket(shop: &Shop) -> Basket {
    let shoes_category = shop.category("Shoes", None).await;
    let running = shop.category("Running", Some(&shoes_category)).await;
    Basket {
        shoes: shop
            .product_in("Trail runner", "19.99", 500, Some(&running))
            .await,
        socks: shop.product("Socks", "5.00", 500).await,
        jacket: shop.product("Jacket", "40.00", 500).await,
        shoes_category,
    }
}

async fn fill(shop: &Shop, token: &str, basket: &Basket) {
    for (item, quantity) in [(&basket.shoes, 3), (&basket.socks, 1), (&basket.jacket, 1)] {
        let added = shop.add_to_cart(token, &item.variant, quantity).await;
        assert!(added["data"]["addToCart"]["cart"].is_object(), "{added}");
    }
}

async fn coupons_price_every_kind_and_scope_to_the_cent(backend: Backend) {
    let shop = Shop::start(backend, &[]).await;
    flat_delivery(&shop).await;
    let basket = basket(&shop).await;
    let now = chrono::Utc::now();
    coupon(&shop, json!({ "code": "Shoes15", "kind": "PERCENTAGE", "value": "15", "categoryIds": [basket.shoes_category] })).await;
    coupon(
        &shop,
        json!({ "code": "TENOFF", "kind": "FIXED_AMOUNT", "value": "10" }),
    )
    .await;
    coupon(&shop, json!({ "code": "JACKET5", "kind": "FIXED_AMOUNT", "value": "5", "productIds": [basket.jacket.product] })).await;
    coupon(
        &shop,
        json!({ "code": "SHIPFREE", "kind": "FREE_SHIPPING", "value": "0" }),
    )
    .await;
    coupon(
        &shop,
        json!({ "code": "BIGSPEND", "kind": "PERCENTAGE", "value": "10", "minSubtotal": "100" }),
    )
    .await;
    coupon(&shop, json!({ "code": "LASTYEAR", "kind": "PERCENTAGE", "value": "10", "endsAt": now - chrono::TimeDelta::days(1) })).await;
    coupon(&shop, json!({ "code": "NEXTWEEK", "kind": "PERCENTAGE", "value": "10", "startsAt": now + chrono::TimeDelta::days(7) })).await;
    let other_product = shop.product("Umbrella", "12.00", 5).await;
    coupon(&shop, json!({ "code": "UMBRELLA", "kind": "PERCENTAGE", "value": "50", "productIds": [other_product.product] })).await;

    let customer = shop.customer("coupons").await;
    fill(&shop, &customer, &basket).await;
    // 3 × 19.99 + 5.00 + 40.00
    assert_eq!(amount(&cart(&shop, &customer).await["subtotal"]), "104.97");

    // A category's coupon reaches its subcategories, typed in any case: 15% of 59.97 is
    // 8.9955, 9.00 to the cent.
    let applied = apply(&shop, &customer, "shoes15").await;
    let cart_now = &applied["cart"];
    assert_eq!(applied["userErrors"], json!([]), "{applied}");
    assert_eq!(cart_now["couponCode"], "Shoes15");
    assert_eq!(amount(&cart_now["discount"]), "9.00");
    assert_eq!(amount(&cart_now["total"]), "95.97");
    let shoes = line_discount(cart_now, &basket.shoes);
    assert_eq!(amount(&shoes["discount"]), "9.00");
    assert_eq!(shoes["discountSources"], json!(["coupon:Shoes15"]));
    assert_eq!(amount(&shoes["lineTotal"]), "50.97");
    assert_eq!(
        amount(&line_discount(cart_now, &basket.socks)["discount"]),
        "0.00"
    );

    // A fixed amount off the order is shared by the lines in proportion, to the cent:
    // 10 × 59.97/104.97 = 5.713, × 5/104.97 = 0.476, × 40/104.97 = 3.811 → 5.71, 0.48, 3.81.
    let applied = apply(&shop, &customer, "TENOFF").await;
    let cart_now = &applied["cart"];
    assert_eq!(amount(&cart_now["discount"]), "10.00", "{applied}");
    assert_eq!(
        amount(&line_discount(cart_now, &basket.shoes)["discount"]),
        "5.71"
    );
    assert_eq!(
        amount(&line_discount(cart_now, &basket.socks)["discount"]),
        "0.48"
    );
    assert_eq!(
        amount(&line_discount(cart_now, &basket.jacket)["discount"]),
        "3.81"
    );
    assert_eq!(amount(&cart_now["total"]), "94.97");

    // A product's coupon: once off that product's lines.
    let applied = apply(&shop, &customer, "jacket5").await;
    assert_eq!(amount(&applied["cart"]["discount"]), "5.00", "{applied}");
    assert_eq!(
        amount(&line_discount(&applied["cart"], &basket.jacket)["discount"]),
        "5.00"
    );

    // Refusals leave the applied coupon as it was.
    for (code, refusal) in [
        ("LASTYEAR", "COUPON_EXPIRED"),
        ("NEXTWEEK", "INVALID_COUPON"),
        ("NO-SUCH-CODE", "INVALID_COUPON"),
        ("UMBRELLA", "COUPON_NOT_APPLICABLE"),
        ("bad code!", "INVALID_COUPON"),
    ] {
        let refused = apply(&shop, &customer, code).await;
        assert_eq!(refused["cart"], Value::Null, "{code}: {refused}");
        assert_eq!(
            refused["userErrors"][0]["code"], refusal,
            "{code}: {refused}"
        );
        assert_eq!(refused["userErrors"][0]["field"], json!(["code"]));
    }
    assert_eq!(cart(&shop, &customer).await["couponCode"], "JACKET5");

    // A minimum met now, then not: the cart says why the coupon gives nothing.
    let applied = apply(&shop, &customer, "BIGSPEND").await;
    assert_eq!(amount(&applied["cart"]["discount"]), "10.50", "{applied}");
    let lines = shop
        .gql(
            "{ cart { lines { id variant { id } } } }",
            json!({}),
            &customer,
        )
        .await;
    let jacket_line_id = lines["data"]["cart"]["lines"]
        .as_array()
        .and_then(|l| {
            l.iter()
                .find(|l| l["variant"]["id"] == basket.jacket.variant)
        })
        .map(|l| l["id"].clone())
        .unwrap();
    let removed = shop
        .gql(
            "mutation($l: ID!) { removeCartLine(lineId: $l) { cart { id } userErrors { code } } }",
            json!({ "l": jacket_line_id }),
            &customer,
        )
        .await;
    assert!(
        removed["data"]["removeCartLine"]["cart"].is_object(),
        "{removed}"
    );
    let below = cart(&shop, &customer).await;
    assert_eq!(amount(&below["subtotal"]), "64.97");
    assert_eq!(
        below["couponCode"], "BIGSPEND",
        "kept, not silently dropped"
    );
    assert_eq!(
        below["couponIssue"]["code"], "COUPON_MINIMUM_NOT_MET",
        "{below}"
    );
    assert_eq!(amount(&below["discount"]), "0.00");
    // Checkout refuses it, holding nothing.
    let refused = checkout(&shop, &customer).await;
    assert_eq!(refused["order"], Value::Null, "{refused}");
    assert_eq!(refused["userErrors"][0]["code"], "COUPON_MINIMUM_NOT_MET");
    assert_eq!(shop.available(&basket.shoes).await, 500);

    // A window that ends while the coupon sits in the cart.
    coupon(&shop, json!({ "code": "FLASH", "kind": "PERCENTAGE", "value": "20", "endsAt": chrono::Utc::now() + chrono::TimeDelta::seconds(2) })).await;
    let applied = apply(&shop, &customer, "flash").await;
    assert_eq!(amount(&applied["cart"]["discount"]), "12.99", "{applied}");
    tokio::time::sleep(Duration::from_millis(2100)).await;
    let ended = cart(&shop, &customer).await;
    assert_eq!(ended["couponIssue"]["code"], "COUPON_EXPIRED", "{ended}");
    assert_eq!(amount(&ended["total"]), "64.97");

    // Free shipping: the cart says so, the order charges delivery and takes it off again.
    let applied = apply(&shop, &customer, "SHIPFREE").await;
    assert_eq!(applied["cart"]["freeShipping"], true, "{applied}");
    let placed = checkout(&shop, &customer).await;
    let order = &placed["order"];
    assert_eq!(amount(&order["shippingCost"]), "4.99", "{placed}");
    assert_eq!(amount(&order["discount"]), "4.99");
    assert_eq!(amount(&order["total"]), "64.97");
    assert_eq!(
        order["discounts"],
        json!([{ "source": "coupon", "code": "SHIPFREE", "amount": { "amount": "4.99" } }])
    );

    // A percentage coupon recorded on the order: its lines and its breakdown.
    let second = shop.customer("coupons-order").await;
    fill(&shop, &second, &basket).await;
    apply(&shop, &second, "SHOES15").await;
    let placed = checkout(&shop, &second).await;
    let order = &placed["order"];
    assert_eq!(amount(&order["subtotal"]), "104.97", "{placed}");
    assert_eq!(amount(&order["discount"]), "9.00");
    assert_eq!(amount(&order["total"]), "100.96");
    let shoe_line = order["lines"]
        .as_array()
        .and_then(|l| {
            l.iter()
                .find(|l| l["variant"]["id"] == basket.shoes.variant)
        })
        .unwrap();
    assert_eq!(amount(&shoe_line["discount"]), "9.00");
    assert_eq!(amount(&shoe_line["lineTotal"]), "50.97");
    assert_eq!(
        order["discounts"],
        json!([{ "source": "coupon", "code": "Shoes15", "amount": { "amount": "9.00" } }])
    );
}

/// The times the coupon `id` was used by paid orders, as the admin sees it.
async fn times_used(shop: &Shop, code: &str) -> i64 {
    let body = shop
        .gql(
            "{ coupons(first: 100) { nodes { code timesUsed } } }",
            json!({}),
            &shop.admin,
        )
        .await;
    body["data"]["coupons"]["nodes"]
        .as_array()
        .and_then(|all| all.iter().find(|c| c["code"] == code))
        .and_then(|c| c["timesUsed"].as_i64())
        .unwrap_or_else(|| panic!("{body}"))
}

async fn thirty_customers_race_for_five_uses(backend: Backend) {
    let shop = Shop::start(backend, &[]).await;
    let mug = shop.product("Mug", "20.00", 100).await;
    coupon(
        &shop,
        json!({ "code": "FIVE", "kind": "PERCENTAGE", "value": "25", "usageLimit": 5 }),
    )
    .await;
    let mut customers = Vec::new();
    for n in 0..30 {
        let token = shop.customer(&format!("racer{n}")).await;
        shop.add_to_cart(&token, &mug.variant, 1).await;
        let applied = apply(&shop, &token, "FIVE").await;
        assert_eq!(amount(&applied["cart"]["discount"]), "5.00", "{applied}");
        customers.push(token);
    }
    let results = futures::future::join_all(customers.iter().map(|t| checkout(&shop, t))).await;
    let mut placed = Vec::new();
    for (token, result) in customers.iter().zip(&results) {
        if result["order"].is_object() {
            // Never an order placed silently without the discount.
            assert_eq!(amount(&result["order"]["discount"]), "5.00", "{result}");
            assert_eq!(amount(&result["order"]["total"]), "15.00");
            placed.push((
                token.clone(),
                result["order"]["id"].as_str().unwrap().to_owned(),
            ));
        } else {
            assert_eq!(
                result["userErrors"][0]["code"], "COUPON_USAGE_LIMIT",
                "{result}"
            );
        }
    }
    assert_eq!(placed.len(), 5, "exactly the coupon's five uses");
    // The refused held nothing: only the five orders' mugs are reserved.
    shop.eventually_available(&mug, 95).await;
    // The losers' carts now say why; their coupon stays for them to remove.
    let loser = customers
        .iter()
        .find(|t| !placed.iter().any(|(p, _)| p == *t))
        .unwrap();
    assert_eq!(
        cart(&shop, loser).await["couponIssue"]["code"],
        "COUPON_USAGE_LIMIT"
    );

    // Paying makes a use used; cancelling another gives its use to the next customer.
    let (payer, paid_order) = &placed[0];
    let paid = shop
        .pay(
            payer,
            paid_order,
            "sandbox_ok",
            &uuid::Uuid::now_v7().to_string(),
        )
        .await;
    assert!(paid["payment"].is_object(), "{paid}");
    shop.eventually(payer, paid_order, |o| o["status"] == "PAID")
        .await;
    let started = Instant::now();
    while times_used(&shop, "FIVE").await != 1 {
        assert!(
            started.elapsed() < Duration::from_secs(15),
            "the paid use was never counted"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let (canceller, cancelled_order) = &placed[1];
    let cancelled = shop
        .gql(
            "mutation($id: ID!) { cancelOrder(id: $id) { order { status } userErrors { code } } }",
            json!({ "id": cancelled_order }),
            canceller,
        )
        .await;
    assert_eq!(
        cancelled["data"]["cancelOrder"]["order"]["status"], "CANCELLED",
        "{cancelled}"
    );
    let started = Instant::now();
    loop {
        let result = checkout(&shop, loser).await;
        if result["order"].is_object() {
            assert_eq!(amount(&result["order"]["discount"]), "5.00", "{result}");
            break;
        }
        assert_eq!(
            result["userErrors"][0]["code"], "COUPON_USAGE_LIMIT",
            "{result}"
        );
        assert!(
            started.elapsed() < Duration::from_secs(15),
            "the cancelled order's use never came back"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // And the coupon is full again.
    let late = customers
        .iter()
        .find(|t| *t != loser && !placed.iter().any(|(p, _)| p == *t))
        .unwrap();
    assert_eq!(
        checkout(&shop, late).await["userErrors"][0]["code"],
        "COUPON_USAGE_LIMIT"
    );

    // Once per customer: a second order with the coupon is refused.
    coupon(
        &shop,
        json!({ "code": "ONCE", "kind": "FIXED_AMOUNT", "value": "2", "perCustomerLimit": 1 }),
    )
    .await;
    let once = shop.customer("once").await;
    shop.add_to_cart(&once, &mug.variant, 1).await;
    apply(&shop, &once, "ONCE").await;
    assert!(checkout(&shop, &once).await["order"].is_object());
    shop.add_to_cart(&once, &mug.variant, 1).await;
    let again = apply(&shop, &once, "ONCE").await;
    assert_eq!(
        again["userErrors"][0]["code"], "COUPON_USAGE_LIMIT",
        "{again}"
    );

    // Two checkouts by one customer at once (two tabs, two keys): one order, one use.
    coupon(
        &shop,
        json!({ "code": "TWICE", "kind": "FIXED_AMOUNT", "value": "2", "perCustomerLimit": 1 }),
    )
    .await;
    let tabs = shop.customer("two-tabs").await;
    shop.add_to_cart(&tabs, &mug.variant, 1).await;
    apply(&shop, &tabs, "TWICE").await;
    let (first, second) = tokio::join!(checkout(&shop, &tabs), checkout(&shop, &tabs));
    let orders: Vec<&Value> = [&first, &second]
        .into_iter()
        .filter(|r| r["order"].is_object())
        .collect();
    assert_eq!(orders.len(), 1, "{first} {second}");
    assert_eq!(amount(&orders[0]["order"]["discount"]), "2.00");
    let refused = if first["order"].is_object() {
        &second
    } else {
        &first
    };
    let code = refused["userErrors"][0]["code"]
        .as_str()
        .unwrap_or_default();
    assert!(
        ["EMPTY_CART", "COUPON_USAGE_LIMIT"].contains(&code),
        "{refused}"
    );
    shop.add_to_cart(&tabs, &mug.variant, 1).await;
    assert_eq!(
        apply(&shop, &tabs, "TWICE").await["userErrors"][0]["code"],
        "COUPON_USAGE_LIMIT"
    );
}

async fn promotions_choose_the_best_stack_when_allowed_and_orders_keep_theirs(backend: Backend) {
    let shop = Shop::start(backend, &[]).await;
    let lamp = shop.product("Lamp", "80.00", 50).await;
    let bulb = shop.product("Bulb", "10.00", 50).await;
    // Two overlapping promotions on the lamp, neither stackable: the better one (25%) wins.
    promotion(&shop, json!({ "name": "Lamp tenner", "kind": "FIXED_AMOUNT", "value": "10", "target": "PRODUCTS", "productIds": [lamp.product] })).await;
    let quarter = promotion(&shop, json!({ "name": "Lamp quarter", "kind": "PERCENTAGE", "value": "25", "target": "PRODUCTS", "productIds": [lamp.product], "priority": 1 })).await;
    // Two stackable ones on the bulb: both apply (1.00 off each unit, then 10% of the rest).
    promotion(&shop, json!({ "name": "Bulb euro", "kind": "FIXED_AMOUNT", "value": "1", "target": "PRODUCTS", "productIds": [bulb.product], "stackable": true, "priority": 2 })).await;
    promotion(&shop, json!({ "name": "Bulb tenth", "kind": "PERCENTAGE", "value": "10", "target": "PRODUCTS", "productIds": [bulb.product], "stackable": true, "priority": 1 })).await;

    let customer = shop.customer("promoted").await;
    shop.add_to_cart(&customer, &lamp.variant, 1).await;
    shop.add_to_cart(&customer, &bulb.variant, 2).await;
    let seen = cart(&shop, &customer).await;
    let lamp_line = line_discount(&seen, &lamp);
    assert_eq!(amount(&lamp_line["discount"]), "20.00", "{seen}");
    assert_eq!(
        lamp_line["discountSources"],
        json!(["promotion:Lamp quarter"])
    );
    let bulb_line = line_discount(&seen, &bulb);
    // 2.00 off the 20.00, then 10% of the 18.00 left.
    assert_eq!(amount(&bulb_line["discount"]), "3.80", "{seen}");
    assert_eq!(
        bulb_line["discountSources"],
        json!(["promotion:Bulb euro", "promotion:Bulb tenth"])
    );
    assert_eq!(amount(&seen["total"]), "76.20");

    let placed = checkout(&shop, &customer).await;
    let order_id = placed["order"]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("{placed}"))
        .to_owned();
    assert_eq!(amount(&placed["order"]["discount"]), "23.80");

    // The promotion changes: new carts see it, the placed order keeps what it got.
    let edited = shop
        .gql(
            "mutation($id: ID!, $i: PromotionInput!) { updatePromotion(id: $id, input: $i) { promotion { value } userErrors { code } } }",
            json!({ "id": quarter, "i": { "name": "Lamp quarter", "kind": "PERCENTAGE", "value": "50", "target": "PRODUCTS", "productIds": [lamp.product] } }),
            &shop.admin,
        )
        .await;
    assert_eq!(
        edited["data"]["updatePromotion"]["promotion"]["value"], "50",
        "{edited}"
    );
    let later = shop.customer("later").await;
    shop.add_to_cart(&later, &lamp.variant, 1).await;
    assert_eq!(amount(&cart(&shop, &later).await["discount"]), "40.00");
    let kept = shop
        .gql(
            &format!("query($id: ID!) {{ order(id: $id) {{ {ORDER} }} }}"),
            json!({ "id": order_id }),
            &customer,
        )
        .await;
    let order = &kept["data"]["order"];
    assert_eq!(amount(&order["discount"]), "23.80", "{kept}");
    assert_eq!(
        order["discounts"],
        json!([
            { "source": "promotion:Lamp quarter", "code": null, "amount": { "amount": "20.00" } },
            { "source": "promotion:Bulb euro", "code": null, "amount": { "amount": "2.00" } },
            { "source": "promotion:Bulb tenth", "code": null, "amount": { "amount": "1.80" } },
        ])
    );
}

/// The home page as a shopper sees it (with `token`, signed in).
async fn home(shop: &Shop, token: Option<&str>) -> Value {
    let body = common::gql(
        shop.base(),
        "{ home { featured { id } newArrivals { id name } bestSellers { id name } banners { title }
                  recommended { id } announcements { kind message } } }",
        json!({}),
        token,
    )
    .await;
    assert!(body.get("errors").is_none(), "{body}");
    body["data"]["home"].clone()
}

fn ids(list: &Value) -> Vec<String> {
    list.as_array()
        .unwrap_or_else(|| panic!("not a list: {list}"))
        .iter()
        .map(|p| p["id"].as_str().unwrap().to_owned())
        .collect()
}

async fn the_home_page_follows_sales_banners_and_announcements(backend: Backend) {
    let shop = Shop::start(backend, &[]).await;
    let kettle = shop.product("Kettle", "30.00", 50).await;
    let toaster = shop.product("Toaster", "45.00", 50).await;

    // New arrivals come from catalog's events, newest first.
    let started = Instant::now();
    loop {
        let arrivals = ids(&home(&shop, None).await["newArrivals"]);
        if arrivals.first() == Some(&toaster.product) && arrivals.contains(&kettle.product) {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "new arrivals: {arrivals:?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }

    // A paid order moves its product up the best sellers.
    let buyer = shop.customer("best-seller").await;
    shop.add_to_cart(&buyer, &toaster.variant, 2).await;
    let order = checkout(&shop, &buyer).await["order"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(!ids(&home(&shop, None).await["bestSellers"]).contains(&toaster.product));
    shop.pay(
        &buyer,
        &order,
        "sandbox_ok",
        &uuid::Uuid::now_v7().to_string(),
    )
    .await;
    shop.eventually(&buyer, &order, |o| o["status"] == "PAID")
        .await;
    let paid = Instant::now();
    loop {
        if ids(&home(&shop, None).await["bestSellers"]).first() == Some(&toaster.product) {
            break;
        }
        assert!(
            paid.elapsed() < Duration::from_secs(10),
            "the sale never reached the home page"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    // The buyer's recommendations leave out what they bought; anyone else's are the best sellers.
    assert!(!ids(&home(&shop, Some(&buyer)).await["recommended"]).contains(&toaster.product));
    assert_eq!(
        ids(&home(&shop, None).await["recommended"]).first(),
        Some(&toaster.product)
    );

    // Banners and featured products, as the shop sets them.
    let banner = shop
        .gql(
            "mutation($i: BannerInput!) { createBanner(input: $i) { banner { id } userErrors { code } } }",
            json!({ "i": { "title": "Kettle week", "imageUrl": "https://images.example/k.jpg", "alt": "A kettle", "linkUrl": "/kettles", "position": 0 } }),
            &shop.admin,
        )
        .await;
    assert!(
        banner["data"]["createBanner"]["banner"]["id"].is_string(),
        "{banner}"
    );
    let featured = shop
        .gql(
            "mutation($ids: [ID!]!) { setFeaturedProducts(productIds: $ids) { id name } }",
            json!({ "ids": [kettle.product, toaster.product] }),
            &shop.admin,
        )
        .await;
    assert_eq!(
        featured["data"]["setFeaturedProducts"][0]["name"], "Kettle",
        "{featured}"
    );
    let page = home(&shop, None).await;
    assert_eq!(page["banners"], json!([{ "title": "Kettle week" }]));
    assert_eq!(
        ids(&page["featured"]),
        [kettle.product.clone(), toaster.product.clone()]
    );

    // An announcement shows inside its window only.
    let now = chrono::Utc::now();
    let opens = now + chrono::TimeDelta::milliseconds(1500);
    let closes = now + chrono::TimeDelta::milliseconds(3500);
    let announced = shop
        .gql(
            "mutation($i: AnnouncementInput!) { createAnnouncement(input: $i) { announcement { id } userErrors { code } } }",
            json!({ "i": { "kind": "MAINTENANCE", "message": "Down for maintenance tonight", "startsAt": opens, "endsAt": closes } }),
            &shop.admin,
        )
        .await;
    assert!(
        announced["data"]["createAnnouncement"]["announcement"]["id"].is_string(),
        "{announced}"
    );
    assert_eq!(
        home(&shop, None).await["announcements"],
        json!([]),
        "not yet"
    );
    let mut seen = false;
    while chrono::Utc::now() < closes + chrono::TimeDelta::milliseconds(500) {
        let shown = home(&shop, None).await["announcements"].clone();
        let at = chrono::Utc::now();
        if shown != json!([]) {
            assert_eq!(
                shown,
                json!([{ "kind": "MAINTENANCE", "message": "Down for maintenance tonight" }])
            );
            assert!(at >= opens, "shown before its window");
            seen = true;
        } else if at >= opens + chrono::TimeDelta::milliseconds(100)
            && at < closes - chrono::TimeDelta::milliseconds(100)
        {
            panic!("missing inside its window");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(seen);
    assert_eq!(home(&shop, None).await["announcements"], json!([]), "over");
}

async fn a_guest_cart_joins_the_customers_at_sign_in(backend: Backend) {
    let shop = Shop::start(backend, &[]).await;
    let lamp = shop.product("Lamp", "25.00", 10).await;
    let added = common::gql(
        shop.base(),
        "mutation($v: ID!) { addToCart(variantId: $v, quantity: 2) { cart { itemCount } cartToken } }",
        json!({ "v": lamp.variant }),
        None,
    )
    .await;
    let token = added["data"]["addToCart"]["cartToken"]
        .as_str()
        .unwrap_or_else(|| panic!("{added}"))
        .to_owned();
    let guest_cart = common::gql(
        shop.base(),
        "query($t: String) { cart(token: $t) { itemCount } }",
        json!({ "t": token }),
        None,
    )
    .await;
    assert_eq!(guest_cart["data"]["cart"]["itemCount"], 2, "{guest_cart}");

    let customer = shop.customer("guest-then-customer").await;
    let merged = shop
        .gql(
            "mutation($t: String!) { mergeGuestCart(cartToken: $t) { cart { itemCount lines { quantity variant { id } } } userErrors { code } } }",
            json!({ "t": token }),
            &customer,
        )
        .await;
    assert_eq!(
        merged["data"]["mergeGuestCart"]["cart"]["lines"],
        json!([{ "quantity": 2, "variant": { "id": lamp.variant } }]),
        "{merged}"
    );
    // The customer checks out what they chose as a guest.
    let placed = checkout(&shop, &customer).await;
    assert_eq!(amount(&placed["order"]["total"]), "50.00", "{placed}");
}

micromall_kit::on_every_backend!(
    coupons_price_every_kind_and_scope_to_the_cent,
    thirty_customers_race_for_five_uses,
    promotions_choose_the_best_stack_when_allowed_and_orders_keep_theirs,
    the_home_page_follows_sales_banners_and_announcements,
    a_guest_cart_joins_the_customers_at_sign_in,
);
