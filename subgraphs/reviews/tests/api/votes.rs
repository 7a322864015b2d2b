use micromall_kit::on_every_backend;
use micromall_kit::testing::Backend;
use serde_json::json;
use uuid::Uuid;

use crate::support::{Shop, codes, error_code};

on_every_backend!(
    a_helpful_vote_counts_once_and_can_change,
    votes_racing_count_once,
    nobody_votes_on_their_own_or_a_hidden_review,
);

async fn a_helpful_vote_counts_once_and_can_change(backend: Backend) {
    let shop = Shop::start(backend).await;
    let product = Uuid::now_v7();
    let (author, alice, bob) = (shop.customer(), shop.customer(), shop.customer());
    let id = shop.reviewed(&author, product, 4).await;
    let count = |response: serde_json::Value| {
        assert_eq!(
            response["data"]["voteReview"]["userErrors"],
            json!([]),
            "{response}"
        );
        response["data"]["voteReview"]["review"]["helpfulCount"].clone()
    };

    assert_eq!(count(shop.vote(Some(&alice.token), &id, true).await), 1);
    assert_eq!(
        count(shop.vote(Some(&alice.token), &id, true).await),
        1,
        "the same vote again changes nothing"
    );
    assert_eq!(count(shop.vote(Some(&alice.token), &id, false).await), 0);
    assert_eq!(count(shop.vote(Some(&alice.token), &id, false).await), 0);
    assert_eq!(count(shop.vote(Some(&bob.token), &id, false).await), 0);
    assert_eq!(count(shop.vote(Some(&alice.token), &id, true).await), 1);
    assert_eq!(count(shop.vote(Some(&bob.token), &id, true).await), 2);

    let page = shop.product_reviews(product, "NEWEST", 5, None).await;
    assert_eq!(
        page["data"]["_entities"][0]["reviews"]["nodes"][0]["helpfulCount"],
        2
    );
    assert_eq!(
        shop.rating(product).await["count"],
        1,
        "votes are not reviews"
    );
}

async fn votes_racing_count_once(backend: Backend) {
    let shop = Shop::start(backend).await;
    let product = Uuid::now_v7();
    let author = shop.customer();
    let id = shop.reviewed(&author, product, 4).await;
    let voters: Vec<_> = (0..5).map(|_| shop.customer()).collect();
    // Each voter sends the same vote four times at once; a sixth flips back and forth.
    let mut votes = Vec::new();
    for voter in &voters {
        for _ in 0..4 {
            votes.push(shop.vote(Some(&voter.token), &id, true));
        }
    }
    for response in futures::future::join_all(votes).await {
        assert_eq!(
            response["data"]["voteReview"]["userErrors"],
            json!([]),
            "{response}"
        );
    }
    let fickle = shop.customer();
    let flips = (0..6).map(|i| shop.vote(Some(&fickle.token), &id, i % 2 == 0));
    futures::future::join_all(flips).await;
    let settled = shop.vote(Some(&fickle.token), &id, false).await;
    assert_eq!(
        settled["data"]["voteReview"]["review"]["helpfulCount"], 5,
        "{settled}"
    );
}

async fn nobody_votes_on_their_own_or_a_hidden_review(backend: Backend) {
    let shop = Shop::start(backend).await;
    let product = Uuid::now_v7();
    let (author, alice) = (shop.customer(), shop.customer());
    let id = shop.reviewed(&author, product, 5).await;

    let own = shop.vote(Some(&author.token), &id, true).await;
    let payload = &own["data"]["voteReview"];
    assert_eq!(payload["review"], json!(null));
    assert_eq!(codes(payload), ["OWN_REVIEW"]);
    assert_eq!(payload["userErrors"][0]["field"], json!(["id"]));

    let anonymous = shop.vote(None, &id, true).await;
    assert_eq!(error_code(&anonymous), "UNAUTHENTICATED", "{anonymous}");

    for unknown in [
        Uuid::now_v7().to_string(),
        "'; DROP TABLE reviews; --".into(),
    ] {
        let refused = shop.vote(Some(&alice.token), &unknown, true).await;
        assert_eq!(codes(&refused["data"]["voteReview"]), ["NOT_FOUND"]);
    }

    shop.moderate("hideReview", &id, Some(&shop.moderator))
        .await;
    let hidden = shop.vote(Some(&alice.token), &id, true).await;
    assert_eq!(codes(&hidden["data"]["voteReview"]), ["NOT_FOUND"]);
    shop.moderate("restoreReview", &id, Some(&shop.moderator))
        .await;
    let page = shop.product_reviews(product, "NEWEST", 5, None).await;
    assert_eq!(
        page["data"]["_entities"][0]["reviews"]["nodes"][0]["helpfulCount"], 0,
        "no refused vote counted"
    );
}
