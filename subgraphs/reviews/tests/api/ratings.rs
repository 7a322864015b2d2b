use micromall_kit::on_every_backend;
use micromall_kit::testing::Backend;
use serde_json::json;
use uuid::Uuid;

use crate::support::{Shop, codes};

on_every_backend!(
    a_product_without_reviews_has_no_average,
    twenty_customers_reviewing_at_once_leave_exact_totals,
    a_hidden_review_leaves_the_rating_until_restored,
    hiding_races_count_once,
    ratings_of_many_products_are_loaded_together,
);

async fn a_product_without_reviews_has_no_average(backend: Backend) {
    let shop = Shop::start(backend).await;
    let product = Uuid::now_v7();
    assert_eq!(
        shop.rating(product).await,
        json!({ "average": null, "count": 0, "histogram": [0, 0, 0, 0, 0] })
    );
    let page = shop.product_reviews(product, "NEWEST", 5, None).await;
    assert_eq!(
        page["data"]["_entities"][0]["reviews"],
        json!({ "totalCount": 0, "nodes": [], "pageInfo": { "hasNextPage": false, "hasPreviousPage": false, "endCursor": null } })
    );
}

async fn twenty_customers_reviewing_at_once_leave_exact_totals(backend: Backend) {
    let shop = Shop::start(backend).await;
    let product = Uuid::now_v7();
    let customers: Vec<_> = (0..20).map(|_| shop.customer()).collect();
    for customer in &customers {
        shop.deliver(customer.id, &[product]).await;
    }
    let mut events = shop.rating_events().await;
    // Ratings 1..=5, four of each: a sum of 60.
    let submissions = customers.iter().enumerate().map(|(i, customer)| {
        let rating = (i % 5) as i32 + 1;
        let id = product.to_string();
        let shop = &shop;
        async move {
            shop.submit(&customer.token, &id, rating, "Same time", "All at once.")
                .await
        }
    });
    for payload in futures::future::join_all(submissions).await {
        assert_eq!(payload["userErrors"], json!([]), "{payload}");
    }
    assert_eq!(
        shop.rating(product).await,
        json!({ "average": 3.0, "count": 20, "histogram": [4, 4, 4, 4, 4] })
    );

    // Each submission announced the totals it made: versions 1 to 20, once each, and the
    // last one carries the final totals.
    let mut announced = events.next(20).await;
    assert!(events.more().await.is_none());
    announced.sort_by_key(|e| e.version);
    assert_eq!(
        announced.iter().map(|e| e.version).collect::<Vec<_>>(),
        (1..=20).collect::<Vec<i64>>()
    );
    assert!(announced.iter().all(|e| e.product_id == product));
    assert_eq!(
        announced.iter().map(|e| e.count).collect::<Vec<_>>(),
        (1..=20).collect::<Vec<i64>>(),
        "each version counts one more review"
    );
    let last = announced.last().unwrap();
    assert_eq!((last.count, last.average), (20, Some(3.0)));
}

async fn a_hidden_review_leaves_the_rating_until_restored(backend: Backend) {
    let shop = Shop::start(backend).await;
    let product = Uuid::now_v7();
    let (alice, bob) = (shop.customer(), shop.customer());
    let mut events = shop.rating_events().await;
    let harsh = shop.reviewed(&alice, product, 1).await;
    let kind = shop.reviewed(&bob, product, 5).await;
    let submitted = events.next(2).await;
    assert_eq!(
        submitted
            .iter()
            .map(|e| (e.average, e.count, e.version))
            .collect::<Vec<_>>(),
        [(Some(1.0), 1, 1), (Some(3.0), 2, 2)]
    );

    let hidden = shop
        .moderate("hideReview", &harsh, Some(&shop.moderator))
        .await;
    let payload = &hidden["data"]["hideReview"];
    assert_eq!(payload["userErrors"], json!([]), "{hidden}");
    assert_eq!(payload["review"]["id"], json!(harsh));
    assert_eq!(
        shop.rating(product).await,
        json!({ "average": 5.0, "count": 1, "histogram": [0, 0, 0, 0, 1] })
    );
    let (listed, totals) = shop.all_reviews(product, "NEWEST", 10).await;
    assert_eq!((listed, totals), (vec![kind.clone()], vec![1]));
    let change = events.next(1).await.remove(0);
    assert_eq!(
        (change.average, change.count, change.version),
        (Some(5.0), 1, 3)
    );

    // Hidden again: nothing moves.
    let again = shop
        .moderate("hideReview", &harsh, Some(&shop.moderator))
        .await;
    assert_eq!(again["data"]["hideReview"]["userErrors"], json!([]));
    assert_eq!(shop.rating(product).await["count"], 1);
    assert!(events.more().await.is_none(), "no change, no event");

    // Out of listings for everyone; its author and moderators still find it by id.
    let by_id = |token: Option<String>| {
        let shop = &shop;
        let harsh = harsh.clone();
        async move {
            shop.gql(
                "query($r: [_Any!]!) { _entities(representations: $r) { ... on Review { id } } }",
                json!({ "r": [{ "__typename": "Review", "id": harsh }] }),
                token.as_deref(),
            )
            .await["data"]["_entities"][0]
                .clone()
        }
    };
    assert_eq!(by_id(None).await, json!(null));
    assert_eq!(by_id(Some(bob.token.clone())).await, json!(null));
    assert_eq!(by_id(Some(alice.token.clone())).await["id"], json!(harsh));
    assert_eq!(
        by_id(Some(shop.moderator.clone())).await["id"],
        json!(harsh)
    );

    let restored = shop
        .moderate("restoreReview", &harsh, Some(&shop.moderator))
        .await;
    assert_eq!(restored["data"]["restoreReview"]["userErrors"], json!([]));
    let again = shop
        .moderate("restoreReview", &harsh, Some(&shop.moderator))
        .await;
    assert_eq!(again["data"]["restoreReview"]["userErrors"], json!([]));
    assert_eq!(
        shop.rating(product).await,
        json!({ "average": 3.0, "count": 2, "histogram": [1, 0, 0, 0, 1] })
    );
    assert_eq!(
        shop.all_reviews(product, "NEWEST", 10).await.0,
        [kind, harsh]
    );
    assert_eq!(events.next(1).await[0].version, 4);
    assert!(events.more().await.is_none());

    let unknown = shop
        .moderate(
            "hideReview",
            &Uuid::now_v7().to_string(),
            Some(&shop.moderator),
        )
        .await;
    assert_eq!(codes(&unknown["data"]["hideReview"]), ["NOT_FOUND"]);
}

async fn hiding_races_count_once(backend: Backend) {
    let shop = Shop::start(backend).await;
    let product = Uuid::now_v7();
    let customers: Vec<_> = (0..3).map(|_| shop.customer()).collect();
    let mut ids = Vec::new();
    for (customer, rating) in customers.iter().zip([2, 4, 5]) {
        ids.push(shop.reviewed(customer, product, rating).await);
    }
    let hides = (0..6).map(|_| shop.moderate("hideReview", &ids[0], Some(&shop.moderator)));
    for response in futures::future::join_all(hides).await {
        assert_eq!(
            response["data"]["hideReview"]["userErrors"],
            json!([]),
            "{response}"
        );
    }
    assert_eq!(
        shop.rating(product).await,
        json!({ "average": 4.5, "count": 2, "histogram": [0, 0, 0, 1, 1] })
    );
    let restores = (0..6).map(|_| shop.moderate("restoreReview", &ids[0], Some(&shop.moderator)));
    for response in futures::future::join_all(restores).await {
        assert_eq!(
            response["data"]["restoreReview"]["userErrors"],
            json!([]),
            "{response}"
        );
    }
    assert_eq!(
        shop.rating(product).await,
        json!({ "average": 11.0 / 3.0, "count": 3, "histogram": [0, 1, 0, 1, 1] })
    );
}

async fn ratings_of_many_products_are_loaded_together(backend: Backend) {
    let shop = Shop::start(backend).await;
    // A page of products as the router asks for their ratings: 30 at once.
    let products: Vec<Uuid> = (0..30).map(|_| Uuid::now_v7()).collect();
    let customer = shop.customer();
    for (i, product) in products.iter().enumerate().take(6) {
        shop.reviewed(&customer, *product, (i % 5) as i32 + 1).await;
    }
    let representations: Vec<_> = products
        .iter()
        .map(|p| json!({ "__typename": "Product", "id": p.to_string() }))
        .collect();
    let log = &shop.reviews.running().runtime.queries;
    log.start();
    let response = shop
        .gql(
            "query($r: [_Any!]!) { _entities(representations: $r) { ... on Product { id rating { average count } } } }",
            json!({ "r": representations }),
            None,
        )
        .await;
    let statements = log.stop();
    let found = response["data"]["_entities"].as_array().expect("entities");
    assert_eq!(found.len(), 30, "{response}");
    for (i, entity) in found.iter().enumerate() {
        assert_eq!(entity["id"], json!(products[i].to_string()));
        assert_eq!(
            entity["rating"]["count"],
            if i < 6 { 1 } else { 0 },
            "{entity}"
        );
    }
    assert_eq!(found[1]["rating"]["average"], 2.0);
    assert_eq!(found[7]["rating"]["average"], json!(null));
    let rating_reads = statements
        .iter()
        .filter(|s| s.contains("FROM \"product_ratings\""))
        .count();
    assert!(
        (1..=2).contains(&rating_reads),
        "thirty products' ratings took {rating_reads} queries: {statements:#?}"
    );
}
