//! Ratings in search: `reviews.rating.changed` events (published here as reviews does) order
//! `RATING` and filter `minRating`, the newest version wins, and a product's rating
//! survives catalog announcing it again.

use std::time::{Duration, Instant};

use chrono::Utc;
use micromall_kit::contracts::reviews::{RATING_CHANGED, RatingChanged};
use micromall_kit::events::Event;
use micromall_kit::on_every_backend;
use micromall_kit::testing::{Backend, TestStack, error_code, eventually};
use serde_json::{Value, json};
use uuid::Uuid;

on_every_backend!(
    a_rating_event_reorders_rating_and_filters_within_a_second,
    min_rating_outside_one_to_five_is_refused,
    an_older_rating_arriving_late_does_not_win,
    a_catalog_announcement_keeps_the_rating,
);

struct Shop {
    stack: TestStack,
    admin: String,
}

const SEARCH: &str = "query($q: String, $f: SearchFilter, $s: SearchSort) { searchProducts(query: $q, filter: $f, sort: $s) { totalCount nodes { id } } }";

impl Shop {
    async fn start(backend: Backend) -> Self {
        let stack = TestStack::start(
            backend,
            &[&micromall_catalog::SUBGRAPH, &micromall_search::SUBGRAPH],
            |_| {},
        )
        .await;
        let admin = stack.token(&["catalog:write"]);
        Self { stack, admin }
    }

    /// Products made in catalog, once search has indexed them all.
    async fn products(&self, names: &[&str]) -> Vec<String> {
        let mut ids = Vec::new();
        for name in names {
            let body = self
                .stack
                .client("catalog")
                .gql(
                    "mutation($i: CreateProductInput!) { createProduct(input: $i) { product { id } } }",
                    json!({ "i": { "name": name, "description": "For the trail.", "variants": [
                        { "sku": name.to_uppercase(), "name": "One size", "price": "30.00" } ] } }),
                    Some(&self.admin),
                )
                .await;
            ids.push(
                body["data"]["createProduct"]["product"]["id"]
                    .as_str()
                    .unwrap_or_else(|| panic!("{body}"))
                    .to_owned(),
            );
        }
        let all = ids.len();
        assert!(
            eventually(Duration::from_secs(10), || async {
                self.found(json!({}), "NEWEST").await.len() == all
            })
            .await,
            "search never indexed the products"
        );
        ids
    }

    async fn search(&self, text: Option<&str>, filter: Value, sort: &str) -> Value {
        self.stack
            .client("search")
            .gql(SEARCH, json!({ "q": text, "f": filter, "s": sort }), None)
            .await
    }

    async fn found(&self, filter: Value, sort: &str) -> Vec<String> {
        let body = self.search(None, filter, sort).await;
        assert!(body.get("errors").is_none(), "{body}");
        ids_of(&body)
    }

    /// `reviews.rating.changed` as reviews publishes it; returns once search handled it.
    async fn rated(&self, product: &str, average: Option<f64>, count: i64, version: i64) {
        let change = RatingChanged {
            product_id: product.parse().unwrap(),
            average,
            count,
            version,
        };
        self.stack
            .platform
            .bus
            .publish(&Event {
                id: Uuid::now_v7(),
                subject: RATING_CHANGED.into(),
                occurred_at: Utc::now(),
                payload: serde_json::to_value(&change).unwrap(),
            })
            .await
            .expect("handled");
    }

    /// Waits (up to `limit`) until `check` holds for what `filter` and `sort` find; on a
    /// timeout, says what was found last.
    async fn until(
        &self,
        limit: Duration,
        filter: Value,
        sort: &str,
        check: impl Fn(&[String]) -> bool,
    ) -> bool {
        let started = Instant::now();
        loop {
            let found = self.found(filter.clone(), sort).await;
            if check(&found) {
                return true;
            }
            if started.elapsed() >= limit {
                eprintln!(
                    "{filter} by {sort}: still {found:?} after {:?}",
                    started.elapsed()
                );
                return false;
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
    }
}

fn ids_of(body: &Value) -> Vec<String> {
    body["data"]["searchProducts"]["nodes"]
        .as_array()
        .unwrap_or_else(|| panic!("{body}"))
        .iter()
        .map(|n| n["id"].as_str().unwrap().to_owned())
        .collect()
}

/// What the contract promises for a rating change to be searchable.
const SECOND: Duration = Duration::from_secs(1);
/// How long a test waits for search to settle where it checks what, not how fast.
const SETTLE: Duration = Duration::from_secs(5);

async fn a_rating_event_reorders_rating_and_filters_within_a_second(backend: Backend) {
    let shop = Shop::start(backend).await;
    let p = shop.products(&["Tarp", "Bivy", "Quilt"]).await;

    shop.rated(&p[0], Some(4.2), 5, 1).await;
    shop.rated(&p[1], Some(3.0), 2, 1).await;
    let rated = [p[0].clone(), p[1].clone()];
    assert!(
        shop.until(SECOND, json!({ "minRating": 1 }), "RATING", |ids| ids
            == rated)
            .await,
        "both ratings searchable within a second, best first"
    );
    assert_eq!(
        shop.found(json!({}), "RATING").await,
        [p[0].clone(), p[1].clone(), p[2].clone()],
        "the unrated quilt last"
    );
    assert_eq!(
        shop.found(json!({ "minRating": 4 }), "RATING").await,
        [p[0].clone()]
    );
    assert_eq!(
        shop.found(json!({ "minRating": 3.0 }), "NEWEST").await,
        [p[1].clone(), p[0].clone()]
    );
    assert_eq!(
        shop.found(json!({ "minRating": 4.2 }), "RATING").await,
        [p[0].clone()],
        "the bound is included"
    );

    // The bivy's reviews get better: it moves to the top.
    shop.rated(&p[1], Some(4.8), 3, 2).await;
    let expected = [p[1].clone(), p[0].clone(), p[2].clone()];
    assert!(
        shop.until(SETTLE, json!({}), "RATING", |ids| ids == expected)
            .await
    );
    // The tarp's only reviews are hidden: no rating any more.
    shop.rated(&p[0], None, 0, 2).await;
    let only_bivy = [p[1].clone()];
    assert!(
        shop.until(SETTLE, json!({ "minRating": 1 }), "RATING", |ids| ids
            == only_bivy)
            .await
    );
    let body = shop
        .search(Some("quilt"), json!({ "minRating": 1 }), "RELEVANCE")
        .await;
    assert_eq!(body["data"]["searchProducts"]["totalCount"], 0, "{body}");
}

async fn min_rating_outside_one_to_five_is_refused(backend: Backend) {
    let shop = Shop::start(backend).await;
    shop.products(&["Stakes"]).await;
    for bad in [json!(0.5), json!(5.01), json!(-1), json!(1e300)] {
        let body = shop
            .search(None, json!({ "minRating": bad }), "RATING")
            .await;
        assert_eq!(error_code(&body), "BAD_USER_INPUT", "{bad}: {body}");
        assert_eq!(
            body["errors"][0]["message"],
            "`minRating` must be between 1 and 5"
        );
    }
    for fine in [1, 5] {
        let body = shop
            .search(None, json!({ "minRating": fine }), "RATING")
            .await;
        assert!(body.get("errors").is_none(), "{body}");
    }
}

async fn an_older_rating_arriving_late_does_not_win(backend: Backend) {
    let shop = Shop::start(backend).await;
    let p = shop.products(&["Compass", "Whistle"]).await;

    shop.rated(&p[0], Some(2.0), 4, 3).await;
    assert!(
        shop.until(SETTLE, json!({ "minRating": 2 }), "RATING", |ids| ids
            == [p[0].clone()])
            .await
    );
    // Versions 2 and 1 were delayed on the way; one is delivered twice.
    shop.rated(&p[0], Some(5.0), 3, 2).await;
    shop.rated(&p[0], Some(4.5), 1, 1).await;
    shop.rated(&p[0], Some(5.0), 3, 2).await;
    // Events are handled in order: once a later one is searchable, so would those be.
    shop.rated(&p[1], Some(3.5), 1, 1).await;
    assert!(
        shop.until(SETTLE, json!({ "minRating": 3 }), "RATING", |ids| ids
            == [p[1].clone()])
            .await,
        "the compass kept its 2.0"
    );
    assert_eq!(
        shop.found(json!({}), "RATING").await,
        [p[1].clone(), p[0].clone()]
    );
    // The same version again changes nothing either; a newer one does.
    shop.rated(&p[0], Some(4.9), 5, 3).await;
    shop.rated(&p[0], Some(4.0), 5, 4).await;
    assert!(
        shop.until(SETTLE, json!({}), "RATING", |ids| ids
            == [p[0].clone(), p[1].clone()])
            .await
    );
    assert_eq!(
        shop.found(json!({ "minRating": 4.5 }), "RATING").await,
        Vec::<String>::new(),
        "4.0 from version 4, not 4.9 from a repeated version 3"
    );
}

async fn a_catalog_announcement_keeps_the_rating(backend: Backend) {
    let shop = Shop::start(backend).await;
    let p = shop.products(&["Headlamp", "Canteen", "Poncho"]).await;
    shop.rated(&p[0], Some(4.5), 2, 1).await;
    assert!(
        shop.until(SETTLE, json!({ "minRating": 4 }), "RATING", |ids| ids
            == [p[0].clone()])
            .await
    );

    // Catalog changes the product: search indexes it again, with the rating it kept.
    let catalog = shop.stack.client("catalog");
    let rename = |id: &str, name: &str| {
        let (catalog, admin) = (&catalog, &shop.admin);
        let vars = json!({ "id": id, "i": { "name": name } });
        async move {
            let body = catalog
                .gql(
                    "mutation($id: ID!, $i: UpdateProductInput!) { updateProduct(id: $id, input: $i) { userErrors { code } } }",
                    vars,
                    Some(admin),
                )
                .await;
            assert_eq!(
                body["data"]["updateProduct"]["userErrors"],
                json!([]),
                "{body}"
            );
        }
    };
    rename(&p[0], "Trail Headlamp").await;
    assert!(
        eventually(Duration::from_secs(10), || async {
            ids_of(
                &shop
                    .search(
                        Some("trail headlamp"),
                        json!({ "minRating": 4 }),
                        "RELEVANCE",
                    )
                    .await,
            ) == [p[0].clone()]
        })
        .await,
        "renamed, and still rated"
    );

    // `micromall reindex`: catalog announces every product again.
    let runtime = &shop.stack.subgraph("catalog").runtime;
    let announced = micromall_catalog::service::Catalog::open(runtime)
        .announce_all()
        .await
        .expect("announced");
    assert_eq!(announced, 3);
    // Catalog's events arrive in order: once this rename is searchable, so is the rest.
    rename(&p[2], "Storm Poncho").await;
    assert!(
        eventually(Duration::from_secs(10), || async {
            ids_of(&shop.search(Some("storm"), json!({}), "RELEVANCE").await) == [p[2].clone()]
        })
        .await
    );
    assert_eq!(
        shop.found(json!({ "minRating": 4 }), "RATING").await,
        [p[0].clone()],
        "the rating survived the re-announcement"
    );

    // An archived product leaves search, and a rating change does not bring it back.
    let body = catalog
        .gql(
            "mutation($id: ID!) { archiveProduct(id: $id) { userErrors { code } } }",
            json!({ "id": p[0] }),
            Some(&shop.admin),
        )
        .await;
    assert_eq!(
        body["data"]["archiveProduct"]["userErrors"],
        json!([]),
        "{body}"
    );
    assert!(
        shop.until(Duration::from_secs(10), json!({}), "NEWEST", |ids| ids
            .len()
            == 2)
            .await
    );
    shop.rated(&p[0], Some(5.0), 3, 2).await;
    shop.rated(&p[1], Some(3.0), 1, 1).await;
    assert!(
        shop.until(SETTLE, json!({ "minRating": 1 }), "RATING", |ids| ids
            == [p[1].clone()])
            .await,
        "only the canteen is rated and in the shop"
    );
}
