use micromall_kit::on_every_backend;
use micromall_kit::testing::Backend;
use serde_json::json;
use uuid::Uuid;

use crate::support::{Shop, codes};

on_every_backend!(
    hostile_reviews_get_clear_answers,
    markup_is_kept_as_plain_text,
);

async fn hostile_reviews_get_clear_answers(backend: Backend) {
    let shop = Shop::start(backend).await;
    let alice = shop.customer();
    let product = Uuid::now_v7();
    shop.deliver(alice.id, &[product]).await;
    let id = product.to_string();

    // Near the request size limit: refused by the rules, not by a failure.
    let huge = "A".repeat(900_000);
    let refused = shop.submit(&alice.token, &id, 5, &huge, "fine").await;
    assert_eq!(codes(&refused), ["INVALID_TITLE"]);
    let refused = shop.submit(&alice.token, &id, 5, "fine", &huge).await;
    assert_eq!(codes(&refused), ["INVALID_BODY"]);
    // Beyond it: the request itself is refused.
    let (status, _) = shop
        .reviews
        .client()
        .post(
            &json!({ "query": "mutation($i: SubmitReviewInput!) { submitReview(input: $i) { review { id } } }",
                     "variables": { "i": { "productId": id, "rating": 5, "title": "t", "body": "B".repeat(2_000_000) } } }),
            Some(&alice.token),
            &[],
        )
        .await;
    assert_eq!(status, 413);

    for malformed in [
        "",
        "42",
        "not-a-uuid",
        "'; DELETE FROM reviews; --",
        &"9".repeat(5_000),
    ] {
        let refused = shop.submit(&alice.token, malformed, 5, "t", "b").await;
        assert_eq!(codes(&refused), ["NOT_FOUND"], "{malformed}");
        for mutation in ["hideReview", "restoreReview"] {
            let response = shop
                .moderate(mutation, malformed, Some(&shop.moderator))
                .await;
            assert_eq!(
                codes(&response["data"][mutation]),
                ["NOT_FOUND"],
                "{response}"
            );
        }
        let entity = shop
            .gql(
                "query($r: [_Any!]!) { _entities(representations: $r) { ... on Review { id } ... on Product { rating { count } } } }",
                json!({ "r": [{ "__typename": "Review", "id": malformed }, { "__typename": "Product", "id": malformed }] }),
                None,
            )
            .await;
        assert_eq!(entity["data"]["_entities"], json!([null, null]), "{entity}");
    }

    // Unicode that is not control characters is text like any other.
    let kept = shop
        .submit(
            &alice.token,
            &id,
            4,
            "Ünïcödé 😀 \u{202e}txet",
            "Zero\u{200b}width",
        )
        .await;
    assert_eq!(kept["userErrors"], json!([]), "{kept}");
    assert_eq!(kept["review"]["title"], "Ünïcödé 😀 \u{202e}txet");
    assert_eq!(shop.rating(product).await["count"], 1);
}

async fn markup_is_kept_as_plain_text(backend: Backend) {
    let shop = Shop::start(backend).await;
    let alice = shop.customer();
    let product = Uuid::now_v7();
    shop.deliver(alice.id, &[product]).await;
    let title = "<img src=x onerror=alert(1)>";
    let body = "<script>alert('x')</script> & \"quotes\" {{ template }} ${expr} %s";
    let payload = shop
        .submit(&alice.token, &product.to_string(), 3, title, body)
        .await;
    assert_eq!(payload["userErrors"], json!([]), "{payload}");
    let page = shop.product_reviews(product, "NEWEST", 5, None).await;
    let stored = &page["data"]["_entities"][0]["reviews"]["nodes"][0];
    assert_eq!(stored["title"], title);
    assert_eq!(stored["body"], body);
}
