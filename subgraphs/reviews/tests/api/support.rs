//! A reviews subgraph on a free port with its own database and an in-process bus, on which
//! tests deliver shipments as shipping would and watch the rating events reviews announces.

#![allow(dead_code)]

use std::sync::Arc;

use chrono::Utc;
use micromall_kit::config::Settings;
use micromall_kit::contracts::reviews::{RATING_CHANGED, RatingChanged};
use micromall_kit::contracts::shipping::{DELIVERED, ShipmentEvent, ShippedLine};
use micromall_kit::events::{Event, EventHandler};
use micromall_kit::testing::{
    Backend, TestDatabase, TestSubgraph, access_token, new_user, settings_for, start_subgraph,
};
pub use micromall_kit::testing::{codes, error_code};
use serde_json::{Value, json};
use tokio::sync::mpsc::{UnboundedReceiver, UnboundedSender, unbounded_channel};
use uuid::Uuid;

pub const REVIEW_FIELDS: &str = "id rating title body verifiedPurchase helpfulCount reply createdAt product { id } author { id }";

pub struct Shop {
    pub settings: Settings,
    pub reviews: TestSubgraph,
    pub db: TestDatabase,
    /// `reviews:moderate`.
    pub moderator: String,
}

/// A signed-in customer.
#[derive(Clone)]
pub struct Customer {
    pub id: Uuid,
    pub token: String,
}

impl Shop {
    pub async fn start(backend: Backend) -> Self {
        let db = TestDatabase::create(backend).await.expect("database");
        let settings = settings_for(&db, "reviews");
        let moderator = access_token(&settings, &["reviews:moderate"]);
        let reviews = start_subgraph(&micromall_reviews::SUBGRAPH, settings.clone()).await;
        Self {
            settings,
            reviews,
            db,
            moderator,
        }
    }

    pub fn customer(&self) -> Customer {
        let (id, token) = new_user(&self.settings, &[]);
        Customer { id, token }
    }

    /// A token with these scopes, as accounts would issue it.
    pub fn token(&self, scopes: &[&str]) -> String {
        access_token(&self.settings, scopes)
    }

    pub async fn gql(&self, query: &str, variables: Value, token: Option<&str>) -> Value {
        self.reviews.client().gql(query, variables, token).await
    }

    /// `shipping.shipment.delivered` for one shipment of these products to `customer`, as
    /// shipping publishes it; returns the event (to deliver it again).
    pub async fn deliver(&self, customer: Uuid, products: &[Uuid]) -> Event {
        let shipment = ShipmentEvent {
            shipment_id: Uuid::now_v7(),
            order_id: Uuid::now_v7(),
            customer_id: customer,
            lines: products
                .iter()
                .map(|&product_id| ShippedLine {
                    order_line_id: Uuid::now_v7(),
                    variant_id: Uuid::now_v7(),
                    product_id,
                    sku: "SKU-1".into(),
                    quantity: 1,
                })
                .collect(),
            order_complete: true,
        };
        let event = Event {
            id: Uuid::now_v7(),
            subject: DELIVERED.into(),
            occurred_at: Utc::now(),
            payload: serde_json::to_value(&shipment).expect("payload"),
        };
        self.publish(&event).await;
        event
    }

    pub async fn publish(&self, event: &Event) {
        self.reviews
            .platform
            .bus
            .publish(event)
            .await
            .expect("event handled");
    }

    /// `submitReview`'s payload.
    pub async fn submit(
        &self,
        token: &str,
        product: &str,
        rating: i32,
        title: &str,
        body: &str,
    ) -> Value {
        let response = self
            .gql(
                &format!("mutation($i: SubmitReviewInput!) {{ submitReview(input: $i) {{ review {{ {REVIEW_FIELDS} }} userErrors {{ field message code }} }} }}"),
                json!({ "i": { "productId": product, "rating": rating, "title": title, "body": body } }),
                Some(token),
            )
            .await;
        assert!(response.get("errors").is_none(), "{response}");
        response["data"]["submitReview"].clone()
    }

    /// A delivered purchase and a review of it; the review's id.
    pub async fn reviewed(&self, customer: &Customer, product: Uuid, rating: i32) -> String {
        self.deliver(customer.id, &[product]).await;
        let payload = self
            .submit(
                &customer.token,
                &product.to_string(),
                rating,
                &format!("{rating} stars"),
                "Tried it for a month.",
            )
            .await;
        assert_eq!(payload["userErrors"], json!([]), "{payload}");
        payload["review"]["id"]
            .as_str()
            .expect("review id")
            .to_owned()
    }

    /// `Product.rating` through federation.
    pub async fn rating(&self, product: Uuid) -> Value {
        let response = self
            .gql(
                "query($r: [_Any!]!) { _entities(representations: $r) { ... on Product { rating { average count histogram } } } }",
                json!({ "r": [{ "__typename": "Product", "id": product.to_string() }] }),
                None,
            )
            .await;
        assert!(response.get("errors").is_none(), "{response}");
        response["data"]["_entities"][0]["rating"].clone()
    }

    /// One page of `Product.reviews` (the whole response: a test may expect an error).
    pub async fn product_reviews(
        &self,
        product: Uuid,
        sort: &str,
        first: i32,
        after: Option<&str>,
    ) -> Value {
        self.gql(
            &format!("query($r: [_Any!]!, $first: Int, $after: String) {{ _entities(representations: $r) {{ ... on Product {{ reviews(first: $first, after: $after, sort: {sort}) {{ totalCount nodes {{ {REVIEW_FIELDS} }} pageInfo {{ hasNextPage hasPreviousPage endCursor }} }} }} }} }}"),
            json!({ "r": [{ "__typename": "Product", "id": product.to_string() }], "first": first, "after": after }),
            None,
        )
        .await
    }

    /// Every visible review of the product in `sort`, walking pages of `first`: their ids,
    /// and the total each page reported.
    pub async fn all_reviews(
        &self,
        product: Uuid,
        sort: &str,
        first: i32,
    ) -> (Vec<String>, Vec<i64>) {
        let mut ids = Vec::new();
        let mut totals = Vec::new();
        let mut after: Option<String> = None;
        for _ in 0..100 {
            let response = self
                .product_reviews(product, sort, first, after.as_deref())
                .await;
            let page = &response["data"]["_entities"][0]["reviews"];
            assert!(response.get("errors").is_none(), "{response}");
            for node in page["nodes"].as_array().expect("nodes") {
                ids.push(node["id"].as_str().expect("id").to_owned());
            }
            totals.push(page["totalCount"].as_i64().expect("total"));
            if page["pageInfo"]["hasNextPage"] != json!(true) {
                return (ids, totals);
            }
            after = page["pageInfo"]["endCursor"].as_str().map(str::to_owned);
        }
        panic!("pages never ended");
    }

    /// A moderation mutation (`hideReview`, `restoreReview`) on `id`: the whole response.
    pub async fn moderate(&self, mutation: &str, id: &str, token: Option<&str>) -> Value {
        self.gql(
            &format!("mutation($id: ID!) {{ {mutation}(id: $id) {{ review {{ {REVIEW_FIELDS} }} userErrors {{ field message code }} }} }}"),
            json!({ "id": id }),
            token,
        )
        .await
    }

    /// `voteReview`'s whole response.
    pub async fn vote(&self, token: Option<&str>, id: &str, helpful: bool) -> Value {
        self.gql(
            "mutation($id: ID!, $h: Boolean!) { voteReview(id: $id, helpful: $h) { review { id helpfulCount } userErrors { field message code } } }",
            json!({ "id": id, "h": helpful }),
            token,
        )
        .await
    }

    /// Every rating event reviews publishes from now on.
    pub async fn rating_events(&self) -> RatingEvents {
        let (tx, rx) = unbounded_channel();
        self.reviews
            .platform
            .bus
            .subscribe("test-ratings", &[RATING_CHANGED], Arc::new(Recorder(tx)))
            .await
            .expect("subscribe");
        RatingEvents(rx)
    }
}

pub struct RatingEvents(UnboundedReceiver<RatingChanged>);

impl RatingEvents {
    /// The next `n` events, waiting up to five seconds for them.
    pub async fn next(&mut self, n: usize) -> Vec<RatingChanged> {
        let mut events = Vec::new();
        while events.len() < n {
            match tokio::time::timeout(std::time::Duration::from_secs(5), self.0.recv()).await {
                Ok(Some(event)) => events.push(event),
                _ => panic!("only {} of {n} rating events arrived", events.len()),
            }
        }
        events
    }

    /// Whether another event arrives within half a second.
    pub async fn more(&mut self) -> Option<RatingChanged> {
        tokio::time::timeout(std::time::Duration::from_millis(500), self.0.recv())
            .await
            .ok()
            .flatten()
    }
}

struct Recorder(UnboundedSender<RatingChanged>);

#[async_trait::async_trait]
impl EventHandler for Recorder {
    async fn handle(&self, event: &Event) -> anyhow::Result<()> {
        self.0
            .send(serde_json::from_value(event.payload.clone())?)?;
        Ok(())
    }
}
