use micromall_kit::on_every_backend;
use micromall_kit::testing::Backend;
use serde_json::json;
use uuid::Uuid;

use crate::support::{Shop, codes, error_code};

on_every_backend!(only_moderators_moderate, a_reply_is_shown_with_its_review);

const REPLY: &str = "mutation($id: ID!, $b: String!) { replyToReview(id: $id, body: $b) { review { id reply body } userErrors { field message code } } }";

async fn only_moderators_moderate(backend: Backend) {
    let shop = Shop::start(backend).await;
    let product = Uuid::now_v7();
    let alice = shop.customer();
    let id = shop.reviewed(&alice, product, 2).await;
    let merchandiser = shop.token(&["catalog:write", "users:manage"]);

    for mutation in ["hideReview", "restoreReview"] {
        for token in [&alice.token, &merchandiser] {
            let refused = shop.moderate(mutation, &id, Some(token)).await;
            assert_eq!(error_code(&refused), "FORBIDDEN", "{mutation}: {refused}");
        }
        let anonymous = shop.moderate(mutation, &id, None).await;
        assert_eq!(error_code(&anonymous), "UNAUTHENTICATED", "{anonymous}");
    }
    let vars = json!({ "id": id, "b": "Thanks!" });
    assert_eq!(
        error_code(&shop.gql(REPLY, vars.clone(), Some(&alice.token)).await),
        "FORBIDDEN"
    );
    assert_eq!(
        error_code(&shop.gql(REPLY, vars, None).await),
        "UNAUTHENTICATED"
    );

    // Nothing changed.
    assert_eq!(shop.rating(product).await["count"], 1);
    let (listed, _) = shop.all_reviews(product, "NEWEST", 5).await;
    assert_eq!(listed, [id]);
    let page = shop.product_reviews(product, "NEWEST", 5, None).await;
    assert_eq!(
        page["data"]["_entities"][0]["reviews"]["nodes"][0]["reply"],
        json!(null)
    );
}

async fn a_reply_is_shown_with_its_review(backend: Backend) {
    let shop = Shop::start(backend).await;
    let product = Uuid::now_v7();
    let alice = shop.customer();
    let id = shop.reviewed(&alice, product, 3).await;
    let reply = |body: String| {
        let (shop, id) = (&shop, id.clone());
        async move {
            shop.gql(REPLY, json!({ "id": id, "b": body }), Some(&shop.moderator))
                .await["data"]["replyToReview"]
                .clone()
        }
    };

    let answered = reply("Sorry to hear that.\nWe have sent a new one.".into()).await;
    assert_eq!(answered["userErrors"], json!([]), "{answered}");
    assert_eq!(
        answered["review"]["reply"],
        "Sorry to hear that.\nWe have sent a new one."
    );
    let replaced = reply("  Fixed in the new batch.  ".into()).await;
    assert_eq!(replaced["review"]["reply"], "Fixed in the new batch.");
    let page = shop.product_reviews(product, "NEWEST", 5, None).await;
    assert_eq!(
        page["data"]["_entities"][0]["reviews"]["nodes"][0]["reply"],
        "Fixed in the new batch."
    );

    for bad in [String::new(), "x".repeat(5_001), "beep\u{7}".into()] {
        let refused = reply(bad).await;
        assert_eq!(codes(&refused), ["INVALID_BODY"]);
        assert_eq!(refused["userErrors"][0]["field"], json!(["body"]));
    }
    for unknown in [Uuid::now_v7().to_string(), "not-an-id".into()] {
        let refused = shop
            .gql(
                REPLY,
                json!({ "id": unknown, "b": "Hello" }),
                Some(&shop.moderator),
            )
            .await;
        assert_eq!(codes(&refused["data"]["replyToReview"]), ["NOT_FOUND"]);
    }
    let page = shop.product_reviews(product, "NEWEST", 5, None).await;
    assert_eq!(
        page["data"]["_entities"][0]["reviews"]["nodes"][0]["reply"], "Fixed in the new batch.",
        "refused replies left the last one"
    );
}
