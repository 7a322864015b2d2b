use micromall_kit::on_every_backend;
use micromall_kit::testing::Backend;
use serde_json::json;
use uuid::Uuid;

use crate::support::{Shop, error_code};

on_every_backend!(
    each_sort_orders_and_pages_with_stable_ties,
    pages_are_asked_for_properly,
    a_customers_reviews_are_public_and_newest_first,
);

async fn each_sort_orders_and_pages_with_stable_ties(backend: Backend) {
    let shop = Shop::start(backend).await;
    let product = Uuid::now_v7();
    let ratings = [5, 3, 5, 1, 3, 5, 2];
    let mut r = Vec::new();
    for rating in ratings {
        r.push(shop.reviewed(&shop.customer(), product, rating).await);
    }
    let voters: Vec<_> = (0..3).map(|_| shop.customer()).collect();
    for (review, votes) in [(1, 3), (3, 3), (5, 2), (2, 1)] {
        for voter in &voters[..votes] {
            let response = shop.vote(Some(&voter.token), &r[review], true).await;
            assert_eq!(response["data"]["voteReview"]["userErrors"], json!([]));
        }
    }
    let ids = |order: &[usize]| order.iter().map(|i| r[*i].clone()).collect::<Vec<_>>();
    let expected = [
        ("NEWEST", ids(&[6, 5, 4, 3, 2, 1, 0])),
        // Ties: newest first.
        ("HIGHEST", ids(&[5, 2, 0, 4, 1, 6, 3])),
        ("LOWEST", ids(&[3, 6, 4, 1, 5, 2, 0])),
        ("MOST_HELPFUL", ids(&[3, 1, 5, 2, 6, 4, 0])),
    ];
    for (sort, order) in &expected {
        for first in [1, 2, 3, 100] {
            let (listed, totals) = shop.all_reviews(product, sort, first).await;
            assert_eq!(&listed, order, "{sort} in pages of {first}");
            assert!(totals.iter().all(|t| *t == 7), "{totals:?}");
        }
    }

    // A hidden review drops out of every order; the others keep theirs.
    shop.moderate("hideReview", &r[2], Some(&shop.moderator))
        .await;
    for (sort, order) in &expected {
        let visible: Vec<String> = order.iter().filter(|id| **id != r[2]).cloned().collect();
        let (listed, totals) = shop.all_reviews(product, sort, 2).await;
        assert_eq!(listed, visible, "{sort}");
        assert!(totals.iter().all(|t| *t == 6));
    }

    // The default order is the newest first.
    let default = shop
        .gql(
            "query($r: [_Any!]!) { _entities(representations: $r) { ... on Product { reviews { nodes { id } } } } }",
            json!({ "r": [{ "__typename": "Product", "id": product.to_string() }] }),
            None,
        )
        .await;
    assert_eq!(
        default["data"]["_entities"][0]["reviews"]["nodes"][0]["id"],
        json!(r[6])
    );
}

async fn pages_are_asked_for_properly(backend: Backend) {
    let shop = Shop::start(backend).await;
    let product = Uuid::now_v7();
    for rating in [4, 2, 5] {
        shop.reviewed(&shop.customer(), product, rating).await;
    }
    let first = shop.product_reviews(product, "HIGHEST", 1, None).await;
    let page = &first["data"]["_entities"][0]["reviews"];
    assert_eq!(page["pageInfo"]["hasNextPage"], true);
    let cursor = page["pageInfo"]["endCursor"].as_str().unwrap().to_owned();

    // A cursor is only good for the order it was made in.
    let other_order = shop
        .product_reviews(product, "NEWEST", 1, Some(&cursor))
        .await;
    assert_eq!(error_code(&other_order), "BAD_USER_INPUT", "{other_order}");
    for garbage in ["", "nonsense", "azE6eHl6", &"A".repeat(10_000)] {
        let refused = shop
            .product_reviews(product, "HIGHEST", 1, Some(garbage))
            .await;
        assert_eq!(error_code(&refused), "BAD_USER_INPUT", "{garbage}");
    }
    for first in [0, -3] {
        let refused = shop.product_reviews(product, "NEWEST", first, None).await;
        assert_eq!(error_code(&refused), "BAD_USER_INPUT", "{first}");
    }
    let many = shop.product_reviews(product, "LOWEST", 1_000, None).await;
    let nodes = &many["data"]["_entities"][0]["reviews"]["nodes"];
    assert_eq!(
        nodes
            .as_array()
            .unwrap()
            .iter()
            .map(|n| n["rating"].as_i64().unwrap())
            .collect::<Vec<_>>(),
        [2, 4, 5]
    );
    let next = shop
        .product_reviews(product, "HIGHEST", 5, Some(&cursor))
        .await;
    let page = &next["data"]["_entities"][0]["reviews"];
    assert_eq!(page["pageInfo"]["hasPreviousPage"], true);
    assert_eq!(page["nodes"].as_array().unwrap().len(), 2);
}

async fn a_customers_reviews_are_public_and_newest_first(backend: Backend) {
    let shop = Shop::start(backend).await;
    let alice = shop.customer();
    let mut mine = Vec::new();
    for rating in [3, 4, 5] {
        mine.push(shop.reviewed(&alice, Uuid::now_v7(), rating).await);
    }
    // Someone else's review is not hers.
    shop.reviewed(&shop.customer(), Uuid::now_v7(), 1).await;
    shop.moderate("hideReview", &mine[1], Some(&shop.moderator))
        .await;

    let query = "query($r: [_Any!]!, $after: String) { _entities(representations: $r) { ... on User { id reviews(first: 1, after: $after) { totalCount nodes { id author { id } } pageInfo { hasNextPage endCursor } } } } }";
    let mut seen = Vec::new();
    let mut after: Option<String> = None;
    loop {
        // Anyone may read them, signed in or not.
        let response = shop
            .gql(
                query,
                json!({ "r": [{ "__typename": "User", "id": alice.id.to_string() }], "after": after }),
                None,
            )
            .await;
        let reviews = &response["data"]["_entities"][0]["reviews"];
        assert_eq!(reviews["totalCount"], 2, "{response}");
        for node in reviews["nodes"].as_array().unwrap() {
            assert_eq!(node["author"]["id"], json!(alice.id.to_string()));
            seen.push(node["id"].as_str().unwrap().to_owned());
        }
        if reviews["pageInfo"]["hasNextPage"] != json!(true) {
            break;
        }
        after = reviews["pageInfo"]["endCursor"].as_str().map(str::to_owned);
    }
    assert_eq!(seen, [mine[2].clone(), mine[0].clone()]);
}
