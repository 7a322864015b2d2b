//! Coupons and promotions as the back office makes them: validation with every problem at
//! once, codes unique regardless of case, scopes checked with catalog, campaigns of generated
//! codes, and no access without `marketing:write`.

use micromall_kit::testing::Backend;
use serde_json::json;

use crate::support::{Shop, codes};

async fn coupons_are_validated_and_unique_regardless_of_case(backend: Backend) {
    let shop = Shop::start(backend).await;
    let made = shop
        .create_coupon(json!({ "code": " Spring-10 ", "kind": "PERCENTAGE", "value": "10", "usageLimit": 100, "perCustomerLimit": 1, "minSubtotal": "25" }))
        .await;
    let coupon = &made["coupon"];
    assert_eq!(coupon["code"], "Spring-10", "{made}");
    assert_eq!(coupon["value"], "10");
    assert_eq!(coupon["minSubtotal"], "25");
    assert_eq!(coupon["timesUsed"], 0);
    assert_eq!(coupon["active"], true);

    let taken = shop
        .create_coupon(json!({ "code": "SPRING-10", "kind": "FIXED_AMOUNT", "value": "5" }))
        .await;
    assert_eq!(codes(&taken), ["CODE_TAKEN"], "{taken}");

    // Every problem of one input at once, each naming its field.
    let bad = shop
        .create_coupon(json!({
            "code": "no spaces", "kind": "PERCENTAGE", "value": "120", "usageLimit": 0,
            "startsAt": "2026-12-10T00:00:00Z", "endsAt": "2026-12-01T00:00:00Z"
        }))
        .await;
    assert_eq!(
        codes(&bad),
        [
            "INVALID_VALUE",
            "INVALID_VALUE",
            "INVALID_RANGE",
            "INVALID_VALUE"
        ],
        "{bad}"
    );
    let fields: Vec<String> = bad["userErrors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"][1].as_str().unwrap_or("").to_owned())
        .collect();
    assert_eq!(fields, ["code", "value", "endsAt", "usageLimit"]);
    let cents = shop
        .create_coupon(json!({ "code": "FRACTION", "kind": "FIXED_AMOUNT", "value": "1.005" }))
        .await;
    assert_eq!(codes(&cents), ["INVALID_VALUE"], "{cents}");

    // Scopes name things catalog has.
    let ghost = shop
        .create_coupon(json!({ "code": "GHOST", "kind": "PERCENTAGE", "value": "5", "categoryIds": [uuid::Uuid::now_v7()] }))
        .await;
    assert_eq!(codes(&ghost), ["CATEGORY_NOT_FOUND"], "{ghost}");
    let ghost = shop
        .create_coupon(json!({ "code": "GHOST", "kind": "PERCENTAGE", "value": "5", "productIds": ["not-an-id"] }))
        .await;
    assert_eq!(codes(&ghost), ["PRODUCT_NOT_FOUND"], "{ghost}");

    // Updating changes the given terms only; deactivating switches it off.
    let id = coupon["id"].as_str().unwrap();
    let updated = shop
        .gql(
            "mutation($id: ID!) { updateCoupon(id: $id, input: { value: \"15\", usageLimit: 200 }) { coupon { value usageLimit perCustomerLimit minSubtotal } userErrors { code } } }",
            json!({ "id": id }),
            Some(&shop.admin),
        )
        .await;
    assert_eq!(
        updated["data"]["updateCoupon"]["coupon"],
        json!({ "value": "15", "usageLimit": 200, "perCustomerLimit": 1, "minSubtotal": "25" }),
        "{updated}"
    );
    let off = shop
        .gql(
            "mutation($id: ID!) { deactivateCoupon(id: $id) { coupon { active } userErrors { code } } }",
            json!({ "id": id }),
            Some(&shop.admin),
        )
        .await;
    assert_eq!(
        off["data"]["deactivateCoupon"]["coupon"]["active"], false,
        "{off}"
    );
    let priced = shop
        .price(uuid::Uuid::now_v7(), "50.00", 1, "spring-10")
        .await;
    assert_eq!(priced["couponIssue"]["code"], "INVALID_COUPON", "{priced}");
    // An edit after the switch-off does not switch it back on.
    let edited = shop
        .gql(
            "mutation($id: ID!) { updateCoupon(id: $id, input: { value: \"20\" }) { coupon { value active } } }",
            json!({ "id": id }),
            Some(&shop.admin),
        )
        .await;
    assert_eq!(
        edited["data"]["updateCoupon"]["coupon"],
        json!({ "value": "20", "active": false }),
        "{edited}"
    );
    let missing = shop
        .gql(
            "mutation { deactivateCoupon(id: \"nope\") { coupon { id } userErrors { code field } } }",
            json!({}),
            Some(&shop.admin),
        )
        .await;
    assert_eq!(
        missing["data"]["deactivateCoupon"]["userErrors"],
        json!([{ "code": "NOT_FOUND", "field": ["id"] }])
    );
}

async fn a_campaign_of_codes_is_made_at_once(backend: Backend) {
    let shop = Shop::start(backend).await;
    let model = shop
        .create_coupon(json!({ "code": "NEWSLETTER", "kind": "FIXED_AMOUNT", "value": "7.50", "usageLimit": 1 }))
        .await;
    let like = model["coupon"]["id"].clone();
    let generated = shop
        .gql(
            "mutation($like: ID!) { generateCouponCodes(input: { like: $like, prefix: \"news\", count: 250 }) { codes userErrors { code } } }",
            json!({ "like": like }),
            Some(&shop.admin),
        )
        .await;
    let codes_made: Vec<String> = generated["data"]["generateCouponCodes"]["codes"]
        .as_array()
        .unwrap_or_else(|| panic!("{generated}"))
        .iter()
        .map(|c| c.as_str().unwrap().to_owned())
        .collect();
    assert_eq!(codes_made.len(), 250);
    let unique: std::collections::BTreeSet<&String> = codes_made.iter().collect();
    assert_eq!(unique.len(), 250);
    assert!(
        codes_made
            .iter()
            .all(|c| c.starts_with("NEWS-") && c.len() == 13)
    );
    // Each is a coupon of its own with the model's terms.
    let priced = shop
        .price(
            uuid::Uuid::now_v7(),
            "30.00",
            1,
            &codes_made[17].to_lowercase(),
        )
        .await;
    assert_eq!(priced["couponIssue"], serde_json::Value::Null, "{priced}");
    assert_eq!(
        priced["total"].as_str().unwrap().parse::<f64>().unwrap(),
        7.5
    );
    let listed = shop
        .gql(
            "{ coupons(first: 100) { totalCount nodes { code } pageInfo { hasNextPage } } }",
            json!({}),
            Some(&shop.admin),
        )
        .await;
    assert_eq!(listed["data"]["coupons"]["totalCount"], 251, "{listed}");
    assert_eq!(listed["data"]["coupons"]["pageInfo"]["hasNextPage"], true);

    for (prefix, count, code) in [
        ("ok", 0, "INVALID_VALUE"),
        ("ok", 1001, "INVALID_VALUE"),
        ("bad prefix", 5, "INVALID_VALUE"),
    ] {
        let refused = shop
            .gql(
                "mutation($like: ID!, $p: String!, $n: Int!) { generateCouponCodes(input: { like: $like, prefix: $p, count: $n }) { codes userErrors { code } } }",
                json!({ "like": like, "p": prefix, "n": count }),
                Some(&shop.admin),
            )
            .await;
        assert_eq!(refused["data"]["generateCouponCodes"]["codes"], json!([]));
        assert_eq!(
            refused["data"]["generateCouponCodes"]["userErrors"][0]["code"], code,
            "{refused}"
        );
    }
}

async fn promotions_are_managed_by_marketing_staff_only(backend: Backend) {
    let shop = Shop::start(backend).await;
    let made = shop
        .gql(
            "mutation { createPromotion(input: { name: \"  Summer sale \", kind: PERCENTAGE, value: \"20\", target: ORDER, minSubtotal: \"100\", stackable: true, priority: 3 }) {
               promotion { id name kind value target minSubtotal priority stackable active } userErrors { code } } }",
            json!({}),
            Some(&shop.admin),
        )
        .await;
    let promotion = &made["data"]["createPromotion"]["promotion"];
    assert_eq!(promotion["name"], "Summer sale", "{made}");
    assert_eq!(promotion["target"], "ORDER");
    assert_eq!(promotion["stackable"], true);
    // Applies above its minimum only.
    let above = shop.price(uuid::Uuid::now_v7(), "50.00", 2, "").await;
    assert_eq!(
        above["parts"][0]["source"], "promotion:Summer sale",
        "{above}"
    );
    assert_eq!(
        above["total"].as_str().unwrap().parse::<f64>().unwrap(),
        20.0
    );
    let below = shop.price(uuid::Uuid::now_v7(), "49.99", 2, "").await;
    assert_eq!(below["parts"], json!([]), "{below}");

    let off = shop
        .gql(
            "mutation($id: ID!) { deactivatePromotion(id: $id) { promotion { active } } }",
            json!({ "id": promotion["id"] }),
            Some(&shop.admin),
        )
        .await;
    assert_eq!(
        off["data"]["deactivatePromotion"]["promotion"]["active"],
        false
    );
    let after = shop.price(uuid::Uuid::now_v7(), "50.00", 2, "").await;
    assert_eq!(after["parts"], json!([]), "{after}");

    // Without the permission: refused before anything is read or written.
    let customer = shop.stack.token(&[]);
    for query in [
        "{ promotions { id } }",
        "{ coupons { totalCount } }",
        "mutation { createCoupon(input: { code: \"MINE\", kind: PERCENTAGE, value: \"100\" }) { coupon { id } } }",
    ] {
        let refused = shop.gql(query, json!({}), Some(&customer)).await;
        assert_eq!(
            refused["errors"][0]["extensions"]["code"], "FORBIDDEN",
            "{refused}"
        );
        let anonymous = shop.gql(query, json!({}), None).await;
        assert!(anonymous["errors"].is_array(), "{anonymous}");
    }
    let listed = shop
        .gql(
            "{ promotions { name active } }",
            json!({}),
            Some(&shop.admin),
        )
        .await;
    assert_eq!(
        listed["data"]["promotions"],
        json!([{ "name": "Summer sale", "active": false }])
    );
}

micromall_kit::on_every_backend!(
    coupons_are_validated_and_unique_regardless_of_case,
    a_campaign_of_codes_is_made_at_once,
    promotions_are_managed_by_marketing_staff_only,
);
