//! Who sees which orders: customers their own, staff with `orders:manage` all of them;
//! someone else's order looks like no order at all, and a malformed id like an unknown one.

use micromall_kit::on_every_backend;
use micromall_kit::pagination::encode_cursor;
use micromall_kit::testing::{Backend, codes, error_code};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::support::{Shop, fields, id, ids};

on_every_backend!(
    another_customer_can_neither_see_nor_cancel_an_order,
    only_staff_list_every_order_and_filter_by_status,
    a_customer_lists_their_own_orders_newest_first,
    malformed_ids_are_answered_like_unknown_ones,
);

async fn another_customer_can_neither_see_nor_cancel_an_order(backend: Backend) {
    let shop = Shop::start(backend).await;
    let desk = shop.variant("Desk", "100.00", 3).await;
    let kim = shop.customer();
    let order = shop.place_order(&kim, &desk, 1).await;
    let eve = shop.customer();

    assert_eq!(shop.order(&eve.token, id(&order)).await, Value::Null);
    let stolen = shop.cancel(&eve.token, id(&order)).await;
    assert_eq!(stolen["order"], Value::Null, "{stolen}");
    assert_eq!(codes(&stolen), ["NOT_FOUND"]);
    assert_eq!(fields(&stolen), [json!(["id"])]);
    // Federation cannot be used to read it either.
    let entity = shop
        .orders
        .gql(
            "query($r: [_Any!]!) { _entities(representations: $r) { ... on Order { id status } } }",
            json!({ "r": [{ "__typename": "Order", "id": id(&order) }] }),
            Some(&eve.token),
        )
        .await;
    assert_eq!(entity["data"]["_entities"], json!([null]), "{entity}");

    assert_eq!(
        shop.order(&kim.token, id(&order)).await["status"],
        "PENDING_PAYMENT"
    );
    assert_eq!(shop.available(&desk).await, 2, "still held for kim");
}

async fn only_staff_list_every_order_and_filter_by_status(backend: Backend) {
    let shop = Shop::start(backend).await;
    let desk = shop.variant("Desk", "100.00", 5).await;
    let (lu, mo) = (shop.customer(), shop.customer());
    let first = shop.place_order(&lu, &desk, 1).await;
    let second = shop.place_order(&mo, &desk, 1).await;
    let third = shop.place_order(&lu, &desk, 1).await;
    shop.cancel(&lu.token, id(&first)).await;

    let by_customer = shop.all_orders(&lu.token, None).await;
    assert_eq!(error_code(&by_customer), "FORBIDDEN", "{by_customer}");
    assert_eq!(by_customer["data"], Value::Null);

    let everything = shop.all_orders(&shop.staff, None).await;
    assert_eq!(
        everything["data"]["orders"]["totalCount"], 3,
        "{everything}"
    );
    assert_eq!(
        ids(&everything["data"]["orders"]),
        [id(&third), id(&second), id(&first)],
        "newest first"
    );
    let unpaid = shop.all_orders(&shop.staff, Some("PENDING_PAYMENT")).await;
    assert_eq!(unpaid["data"]["orders"]["totalCount"], 2, "{unpaid}");
    assert_eq!(ids(&unpaid["data"]["orders"]), [id(&third), id(&second)]);
    let cancelled = shop.all_orders(&shop.staff, Some("CANCELLED")).await;
    assert_eq!(
        ids(&cancelled["data"]["orders"]),
        [id(&first)],
        "{cancelled}"
    );
    let paid = shop.all_orders(&shop.staff, Some("PAID")).await;
    assert_eq!(paid["data"]["orders"]["totalCount"], 0, "{paid}");
}

async fn a_customer_lists_their_own_orders_newest_first(backend: Backend) {
    let shop = Shop::start(backend).await;
    let desk = shop.variant("Desk", "100.00", 5).await;
    let (ned, other) = (shop.customer(), shop.customer());
    let older = shop.place_order(&ned, &desk, 1).await;
    shop.place_order(&other, &desk, 1).await;
    let newer = shop.place_order(&ned, &desk, 1).await;

    // `me { orders }` reaches orders as the `User` entity's field.
    let mine = shop.orders_of(ned.id, Some(&ned.token)).await;
    let orders = &mine["data"]["_entities"][0]["orders"];
    assert_eq!(orders["totalCount"], 2, "{mine}");
    assert_eq!(ids(orders), [id(&newer), id(&older)]);
    let by_staff = shop.orders_of(ned.id, Some(&shop.staff)).await;
    assert_eq!(by_staff["data"]["_entities"][0]["orders"], *orders);

    let nosy = shop.orders_of(ned.id, Some(&other.token)).await;
    assert_eq!(error_code(&nosy), "FORBIDDEN", "{nosy}");
    let anonymous = shop.orders_of(ned.id, None).await;
    assert_eq!(error_code(&anonymous), "UNAUTHENTICATED", "{anonymous}");
    let newcomer = shop.customer();
    let none = shop.orders_of(newcomer.id, Some(&newcomer.token)).await;
    assert_eq!(
        none["data"]["_entities"][0]["orders"],
        json!({ "totalCount": 0, "nodes": [] }),
        "{none}"
    );
}

async fn malformed_ids_are_answered_like_unknown_ones(backend: Backend) {
    let shop = Shop::start(backend).await;
    let pat = shop.customer();
    let unknown = Uuid::now_v7().to_string();
    for bad in ["not-a-uuid", "", unknown.as_str()] {
        assert_eq!(shop.order(&pat.token, bad).await, Value::Null, "{bad:?}");
        assert_eq!(shop.order(&shop.staff, bad).await, Value::Null, "{bad:?}");
        let cancelled = shop.cancel(&shop.staff, bad).await;
        assert_eq!(codes(&cancelled), ["NOT_FOUND"], "{bad:?}: {cancelled}");
        assert_eq!(fields(&cancelled), [json!(["id"])]);
    }
    let entity = shop
        .orders
        .gql(
            "query($r: [_Any!]!) { _entities(representations: $r) { ... on Order { id } ... on User { id } } }",
            json!({ "r": [
                { "__typename": "Order", "id": "not-a-uuid" },
                { "__typename": "User", "id": "not-a-uuid" },
            ] }),
            Some(&shop.staff),
        )
        .await;
    assert_eq!(entity["data"]["_entities"], json!([null, null]), "{entity}");
    // A cursor that is not one, or that names no order, is bad input, not an empty page.
    for cursor in ["garbage!".to_owned(), encode_cursor("not-a-uuid")] {
        let paged = shop
            .orders
            .gql(
                "query($a: String) { orders(after: $a) { totalCount } }",
                json!({ "a": cursor }),
                Some(&shop.staff),
            )
            .await;
        assert_eq!(error_code(&paged), "BAD_USER_INPUT", "{cursor}: {paged}");
    }
}
