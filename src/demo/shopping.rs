//! The demo shop's customers: a few shoppers who bought, received and reviewed some of the
//! first products, so a newcomer sees orders, parcels and ratings. They shop through the
//! router like any client (register, cart, checkout, the payment sandbox, a shipment the
//! carrier sandbox carries to the door, a review), choosing and writing from a fixed seed.

use std::time::{Duration, Instant};

use anyhow::{Context as _, bail};
use serde_json::{Value, json};

use super::Rng;

/// Shoppers, each buying `PER_SHOPPER` of the first `PRODUCTS_REVIEWED` products.
const SHOPPERS: usize = 12;
const PER_SHOPPER: usize = 3;
const PRODUCTS_REVIEWED: usize = 12;
const SEED: u64 = 0x7265_7669_6577_7321; // "reviews!"
/// A parcel takes about seven carrier scans; this is ample.
const DELIVERY_WAIT: Duration = Duration::from_secs(120);

const TITLES: [(&str, &str); 5] = [
    (
        "Disappointing",
        "Not what I expected from the pictures; it went back in the box.",
    ),
    (
        "Just okay",
        "It does the job, but I would not buy it again at this price.",
    ),
    (
        "Decent",
        "Solid enough and arrived quickly. A few rough edges.",
    ),
    (
        "Really good",
        "Well made and exactly as described. Happy with it.",
    ),
    (
        "Love it",
        "Excellent quality, fast delivery, and it looks even better in person.",
    ),
];

/// Where the router is, and a staff token allowed to ship and to merchandise.
pub struct Shopping {
    pub router: String,
    pub staff_token: String,
}

impl Shopping {
    /// Every shopper buys, pays, receives and reviews; shoppers go at once.
    pub async fn run(&self) -> anyhow::Result<usize> {
        let http = reqwest::Client::new();
        let client = Client {
            http: &http,
            url: format!("{}/graphql", self.router),
        };
        super::marketing::merchandise(&client, &self.staff_token).await?;
        let products = client
            .data(
                "{ products(first: 12) { nodes { id variants { id } } } }",
                json!({}),
                None,
            )
            .await?;
        let products: Vec<(String, String)> = products["products"]["nodes"]
            .as_array()
            .context("no products")?
            .iter()
            .filter_map(|p| {
                Some((
                    p["id"].as_str()?.to_owned(),
                    p["variants"][0]["id"].as_str()?.to_owned(),
                ))
            })
            .take(PRODUCTS_REVIEWED)
            .collect();
        if products.len() < PER_SHOPPER {
            bail!("the demo catalog has too few products");
        }
        let mut rng = Rng(SEED);
        let plans: Vec<(usize, Vec<(usize, u8)>)> = (0..SHOPPERS)
            .map(|shopper| {
                let mut picks: Vec<(usize, u8)> = Vec::new();
                while picks.len() < PER_SHOPPER {
                    let product = rng.below(products.len());
                    if picks.iter().all(|(p, _)| *p != product) {
                        // Mostly content customers, some not.
                        let rating = [5, 5, 4, 4, 4, 3, 5, 2, 4, 1][rng.below(10)];
                        picks.push((product, rating));
                    }
                }
                (shopper, picks)
            })
            .collect();
        let runs = plans.iter().map(|(shopper, picks)| {
            let client = &client;
            let products = &products;
            async move { self.shop(client, *shopper, picks, products).await }
        });
        let mut reviewed = 0;
        for outcome in futures::future::join_all(runs).await {
            reviewed += outcome?;
        }
        Ok(reviewed)
    }

    async fn shop(
        &self,
        client: &Client<'_>,
        shopper: usize,
        picks: &[(usize, u8)],
        products: &[(String, String)],
    ) -> anyhow::Result<usize> {
        let email = format!("demo-shopper-{}@micromall.example", shopper + 1);
        // A password nobody knows: these accounts exist to have written reviews.
        let password = format!("{}-{}", uuid::Uuid::new_v4(), uuid::Uuid::new_v4());
        let registered = client
            .data(
                "mutation($i: RegisterInput!) { register(input: $i) { user { id } userErrors { code } } }",
                json!({ "i": { "email": email, "password": password, "name": NAMES[shopper % NAMES.len()] } }),
                None,
            )
            .await?;
        if registered["register"]["user"].is_null() {
            // Made by an earlier, interrupted start: leave that shopper as it is.
            return Ok(0);
        }
        let token = client
            .data(
                "mutation($i: LoginInput!) { login(input: $i) { accessToken } }",
                json!({ "i": { "email": email, "password": password } }),
                None,
            )
            .await?["login"]["accessToken"]
            .as_str()
            .context("demo shopper could not sign in")?
            .to_owned();
        for (product, _) in picks {
            client
                .data(
                    "mutation($v: ID!) { addToCart(variantId: $v, quantity: 1) { userErrors { code } } }",
                    json!({ "v": products[*product].1 }),
                    Some(&token),
                )
                .await?;
        }
        let placed = client
            .data(
                "mutation($i: CheckoutInput!) { checkout(input: $i) { order { id } userErrors { code message } } }",
                json!({ "i": {
                    "idempotencyKey": format!("demo-{shopper}"),
                    "shippingAddress": {
                        "name": NAMES[shopper % NAMES.len()], "line1": format!("{} Market Street", 10 + shopper),
                        "city": "San Francisco", "postalCode": "94103", "country": "US",
                    },
                } }),
                Some(&token),
            )
            .await?;
        let order = placed["checkout"]["order"]["id"]
            .as_str()
            .with_context(|| format!("demo checkout refused: {placed}"))?
            .to_owned();
        client
            .data(
                "mutation($i: PayOrderInput!) { payOrder(input: $i) { userErrors { code } } }",
                json!({ "i": { "orderId": order, "provider": "sandbox", "paymentMethodToken": "sandbox_ok", "idempotencyKey": format!("demo-pay-{shopper}") } }),
                Some(&token),
            )
            .await?;
        self.until(client, &order, &token, "PAID").await?;
        client
            .data(
                "mutation($i: CreateShipmentInput!) { createShipment(input: $i) { userErrors { code } } }",
                json!({ "i": { "orderId": order, "carrier": "sandbox" } }),
                Some(&self.staff_token),
            )
            .await?;
        self.until(client, &order, &token, "DELIVERED").await?;
        let mut reviewed = 0;
        for (product, rating) in picks {
            let (title, body) = TITLES[usize::from(*rating) - 1];
            let review = client
                .data(
                    "mutation($i: SubmitReviewInput!) { submitReview(input: $i) { review { id } userErrors { code } } }",
                    json!({ "i": { "productId": products[*product].0, "rating": rating, "title": title, "body": body } }),
                    Some(&token),
                )
                .await?;
            if review["submitReview"]["review"].is_object() {
                reviewed += 1;
            }
        }
        Ok(reviewed)
    }

    /// Waits for the order to reach `status` (payment and delivery come back asynchronously).
    async fn until(
        &self,
        client: &Client<'_>,
        order: &str,
        token: &str,
        status: &str,
    ) -> anyhow::Result<()> {
        let started = Instant::now();
        loop {
            let seen = client
                .data(
                    "query($id: ID!) { order(id: $id) { status } }",
                    json!({ "id": order }),
                    Some(token),
                )
                .await?;
            if seen["order"]["status"] == status {
                return Ok(());
            }
            if started.elapsed() > DELIVERY_WAIT {
                bail!("demo order {order} never became {status}: {seen}");
            }
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
    }
}

const NAMES: [&str; 12] = [
    "Amara Okafor",
    "Lukas Becker",
    "Sofia Rossi",
    "Hiroshi Tanaka",
    "Priya Raman",
    "Mateo García",
    "Ingrid Nilsson",
    "Kwame Mensah",
    "Chloé Martin",
    "Noah Cohen",
    "Aiyana Redcloud",
    "Tomasz Nowak",
];

/// GraphQL over HTTP, as the storefront sends it.
pub(super) struct Client<'a> {
    http: &'a reqwest::Client,
    url: String,
}

impl Client<'_> {
    pub(super) async fn data(
        &self,
        query: &str,
        variables: Value,
        token: Option<&str>,
    ) -> anyhow::Result<Value> {
        let mut request = self
            .http
            .post(&self.url)
            .json(&json!({ "query": query, "variables": variables }));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        let body: Value = request.send().await?.json().await?;
        if let Some(errors) = body.get("errors") {
            bail!("demo request failed: {errors}");
        }
        Ok(body["data"].clone())
    }
}
