use micromall_kit::on_every_backend;
use micromall_kit::testing::Backend;
use serde_json::json;
use uuid::Uuid;

use crate::support::{Shop, codes, error_code};

on_every_backend!(
    a_review_needs_a_delivered_purchase,
    a_customer_reviews_a_product_once,
    two_submissions_racing_make_one_review,
    ratings_titles_and_bodies_are_checked,
    every_problem_of_a_review_is_reported_at_once,
);

async fn a_review_needs_a_delivered_purchase(backend: Backend) {
    let shop = Shop::start(backend).await;
    let alice = shop.customer();
    let (lamp, kettle) = (Uuid::now_v7(), Uuid::now_v7());

    let early = shop
        .submit(
            &alice.token,
            &lamp.to_string(),
            5,
            "Bright",
            "Lights the room.",
        )
        .await;
    assert_eq!(early["review"], json!(null), "{early}");
    assert_eq!(codes(&early), ["NOT_PURCHASED"]);
    assert_eq!(
        early["userErrors"][0]["field"],
        json!(["input", "productId"])
    );

    // Someone else's delivery, or another product's, does not count.
    let bob = shop.customer();
    shop.deliver(bob.id, &[lamp]).await;
    shop.deliver(alice.id, &[kettle]).await;
    let still = shop
        .submit(
            &alice.token,
            &lamp.to_string(),
            5,
            "Bright",
            "Lights the room.",
        )
        .await;
    assert_eq!(codes(&still), ["NOT_PURCHASED"]);

    let delivered = shop.deliver(alice.id, &[lamp, kettle, lamp]).await;
    // A redelivered event is harmless.
    shop.publish(&delivered).await;
    let payload = shop
        .submit(
            &alice.token,
            &lamp.to_string(),
            5,
            "Bright",
            "Lights the room.\nWarm, too.",
        )
        .await;
    assert_eq!(payload["userErrors"], json!([]), "{payload}");
    let review = &payload["review"];
    assert_eq!(review["rating"], 5);
    assert_eq!(review["title"], "Bright");
    assert_eq!(review["body"], "Lights the room.\nWarm, too.");
    assert_eq!(review["verifiedPurchase"], true);
    assert_eq!(review["helpfulCount"], 0);
    assert_eq!(review["reply"], json!(null));
    assert_eq!(review["product"], json!({ "id": lamp.to_string() }));
    assert_eq!(review["author"], json!({ "id": alice.id.to_string() }));

    // What the mutation answered is what a later read finds.
    let listed = shop.product_reviews(lamp, "NEWEST", 10, None).await;
    assert_eq!(
        listed["data"]["_entities"][0]["reviews"]["nodes"],
        json!([review.clone()])
    );
    assert_eq!(
        shop.rating(lamp).await,
        json!({ "average": 5.0, "count": 1, "histogram": [0, 0, 0, 0, 1] })
    );

    let anonymous = shop
        .gql(
            "mutation($i: SubmitReviewInput!) { submitReview(input: $i) { review { id } } }",
            json!({ "i": { "productId": kettle.to_string(), "rating": 4, "title": "t", "body": "b" } }),
            None,
        )
        .await;
    assert_eq!(error_code(&anonymous), "UNAUTHENTICATED", "{anonymous}");
}

async fn a_customer_reviews_a_product_once(backend: Backend) {
    let shop = Shop::start(backend).await;
    let alice = shop.customer();
    let tent = Uuid::now_v7();
    shop.reviewed(&alice, tent, 4).await;
    // Delivered again (a second order): still one review.
    shop.deliver(alice.id, &[tent]).await;
    let again = shop
        .submit(
            &alice.token,
            &tent.to_string(),
            1,
            "Changed my mind",
            "It leaks.",
        )
        .await;
    assert_eq!(again["review"], json!(null));
    assert_eq!(codes(&again), ["ALREADY_REVIEWED"]);
    assert_eq!(
        again["userErrors"][0]["field"],
        json!(["input", "productId"])
    );

    let bob = shop.customer();
    shop.reviewed(&bob, tent, 2).await;
    assert_eq!(
        shop.rating(tent).await,
        json!({ "average": 3.0, "count": 2, "histogram": [0, 1, 0, 1, 0] }),
        "the refused review left the rating alone"
    );
}

async fn two_submissions_racing_make_one_review(backend: Backend) {
    let shop = Shop::start(backend).await;
    let product = Uuid::now_v7();
    let mut events = shop.rating_events().await;
    for round in 0..3 {
        let customer = shop.customer();
        shop.deliver(customer.id, &[product]).await;
        let id = product.to_string();
        let (first, second) = tokio::join!(
            shop.submit(&customer.token, &id, 5, "First", "Sent twice."),
            shop.submit(&customer.token, &id, 1, "Second", "Sent twice."),
        );
        let mut outcomes = [codes(&first), codes(&second)];
        outcomes.sort();
        assert_eq!(
            outcomes,
            [Vec::<String>::new(), vec!["ALREADY_REVIEWED".to_owned()]],
            "{first} {second}"
        );
        let count = shop.rating(product).await["count"].clone();
        assert_eq!(count, round + 1);
    }
    let announced = events.next(3).await;
    assert_eq!(
        announced.iter().map(|e| e.version).collect::<Vec<_>>(),
        [1, 2, 3]
    );
    assert!(
        events.more().await.is_none(),
        "a refused review announces nothing"
    );
}

async fn ratings_titles_and_bodies_are_checked(backend: Backend) {
    let shop = Shop::start(backend).await;
    let alice = shop.customer();
    let mug = Uuid::now_v7();
    shop.deliver(alice.id, &[mug]).await;
    let id = mug.to_string();
    let submit = |rating: i32, title: String, body: String| {
        let (shop, token, id) = (&shop, alice.token.clone(), id.clone());
        async move { shop.submit(&token, &id, rating, &title, &body).await }
    };
    let ok = || "Fine".to_owned();

    for rating in [0, 6, -1, i32::MAX] {
        let refused = submit(rating, ok(), ok()).await;
        assert_eq!(codes(&refused), ["INVALID_RATING"], "{rating}");
        assert_eq!(
            refused["userErrors"][0]["field"],
            json!(["input", "rating"])
        );
    }
    for title in [
        String::new(),
        "   ".into(),
        "x".repeat(151),
        "two\nlines".into(),
        "tab\there".into(),
        "bell\u{7}".into(),
    ] {
        let refused = submit(3, title.clone(), ok()).await;
        assert_eq!(codes(&refused), ["INVALID_TITLE"], "{title:?}");
        assert_eq!(refused["userErrors"][0]["field"], json!(["input", "title"]));
    }
    for body in [
        String::new(),
        "\n\t \n".into(),
        "x".repeat(5_001),
        "nul\0byte".into(),
        "escape \u{1b}[2J sequence".into(),
        "carriage\rreturn".into(),
    ] {
        let refused = submit(3, ok(), body.clone()).await;
        assert_eq!(codes(&refused), ["INVALID_BODY"], "{body:?}");
        assert_eq!(refused["userErrors"][0]["field"], json!(["input", "body"]));
    }
    assert_eq!(
        shop.rating(mug).await["count"],
        0,
        "nothing refused was kept"
    );

    // The limits themselves are fine, counted in characters, and text is trimmed.
    let title = "é".repeat(150);
    let body = format!("  {}\n\tend  ", "ü".repeat(4_990));
    let kept = submit(1, title.clone(), body.clone()).await;
    assert_eq!(kept["userErrors"], json!([]), "{kept}");
    assert_eq!(kept["review"]["title"], json!(title));
    assert_eq!(kept["review"]["body"], json!(body.trim()));
}

async fn every_problem_of_a_review_is_reported_at_once(backend: Backend) {
    let shop = Shop::start(backend).await;
    let alice = shop.customer();
    let refused = shop
        .submit(&alice.token, "not-a-product", 9, "", &"y".repeat(6_000))
        .await;
    assert_eq!(refused["review"], json!(null));
    assert_eq!(
        codes(&refused),
        [
            "NOT_FOUND",
            "INVALID_RATING",
            "INVALID_TITLE",
            "INVALID_BODY"
        ]
    );
    let fields: Vec<_> = refused["userErrors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].clone())
        .collect();
    assert_eq!(
        fields,
        [
            json!(["input", "productId"]),
            json!(["input", "rating"]),
            json!(["input", "title"]),
            json!(["input", "body"]),
        ]
    );
    assert_eq!(
        refused["userErrors"][3]["message"],
        "body must be 1 to 5000 characters"
    );
}
