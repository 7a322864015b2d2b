//! The demo shop's merchandising: home-page banners (made when there are none, through
//! marketing's own rules), and a sale on one department with featured products (made through
//! the router by the demo's staff, like an admin in the back office would).

use anyhow::Context as _;
use chrono::{TimeDelta, Utc};
use micromall_marketing::rules::home::BannerTerms;
use micromall_marketing::service::Marketing;
use serde_json::json;

use super::shopping::Client;

/// Banners for the home page, when the shop has none. Whether they were made.
pub async fn banners(marketing: &Marketing) -> anyhow::Result<bool> {
    if !marketing.home().await?.banners.is_empty() {
        return Ok(false);
    }
    let now = Utc::now();
    let banners = [
        (
            "Winter sale",
            "winter-sale",
            "A snowy mountain trail at dawn",
            "/search?sort=PRICE_ASC",
            None,
        ),
        (
            "New this week",
            "new-arrivals",
            "Freshly unpacked gear on a workbench",
            "/new",
            Some(now + TimeDelta::days(7)),
        ),
        (
            "Free delivery over 50",
            "free-delivery",
            "A parcel on a doorstep",
            "/help/delivery",
            None,
        ),
    ];
    for (position, (title, image, alt, link, ends_at)) in banners.into_iter().enumerate() {
        let made = marketing
            .create_banner(BannerTerms {
                title: title.to_owned(),
                image_url: format!("https://images.micromall.example/banners/{image}.jpg"),
                alt: alt.to_owned(),
                link_url: link.to_owned(),
                position: i32::try_from(position).unwrap_or(0),
                starts_at: None,
                ends_at,
            })
            .await;
        if made.is_err() {
            anyhow::bail!("the demo banner {title:?} was refused");
        }
    }
    Ok(true)
}

/// A 15% sale on the first department and eight featured products, through the router.
pub async fn merchandise(client: &Client<'_>, staff: &str) -> anyhow::Result<()> {
    let shop = client
        .data(
            "{ categories { id name } products(first: 20) { nodes { id } } }",
            json!({}),
            None,
        )
        .await?;
    let department = &shop["categories"][0];
    let name = department["name"].as_str().context("no department")?;
    client
        .data(
            "mutation($i: PromotionInput!) { createPromotion(input: $i) { promotion { id } } }",
            json!({ "i": {
                "name": format!("{name} sale"), "kind": "PERCENTAGE", "value": "15",
                "target": "PRODUCTS", "categoryIds": [department["id"]], "priority": 1
            }}),
            Some(staff),
        )
        .await?;
    let featured: Vec<&serde_json::Value> = shop["products"]["nodes"]
        .as_array()
        .context("no products")?
        .iter()
        .skip(12)
        .take(8)
        .map(|p| &p["id"])
        .collect();
    client
        .data(
            "mutation($ids: [ID!]!) { setFeaturedProducts(productIds: $ids) { id } }",
            json!({ "ids": featured }),
            Some(staff),
        )
        .await?;
    Ok(())
}
