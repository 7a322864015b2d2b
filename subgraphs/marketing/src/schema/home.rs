//! The home page and what the shop curates on it.

use std::sync::Arc;

use async_graphql::{Context, Enum, ID, InputObject, Object, Result, SimpleObject};
use chrono::{DateTime, Utc};
use micromall_kit::ApiError;
use micromall_kit::graphql::service;
use uuid::Uuid;

use crate::entity::{announcement, banner};
use crate::rules::home::live;
use crate::service::{Marketing, Shared};

/// A product as marketing refers to it; the router completes it from catalog.
#[derive(SimpleObject)]
#[graphql(unresolvable = "id")]
pub struct Product {
    pub id: ID,
}

fn products(ids: &[Uuid]) -> Vec<Product> {
    ids.iter()
        .map(|id| Product {
            id: ID(id.to_string()),
        })
        .collect()
}

#[derive(SimpleObject)]
pub struct Banner {
    pub id: ID,
    pub title: String,
    pub image_url: String,
    pub alt: String,
    pub link_url: String,
    pub position: i32,
    pub starts_at: Option<DateTime<Utc>>,
    pub ends_at: Option<DateTime<Utc>>,
}

impl From<banner::Model> for Banner {
    fn from(row: banner::Model) -> Self {
        Banner {
            id: ID(row.id.to_string()),
            title: row.title,
            image_url: row.image_url,
            alt: row.alt,
            link_url: row.link_url,
            position: row.position,
            starts_at: row.starts_at,
            ends_at: row.ends_at,
        }
    }
}

#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum AnnouncementKind {
    Info,
    Maintenance,
}

impl AnnouncementKind {
    pub fn as_str(self) -> &'static str {
        match self {
            AnnouncementKind::Info => "INFO",
            AnnouncementKind::Maintenance => "MAINTENANCE",
        }
    }
}

#[derive(SimpleObject)]
pub struct Announcement {
    pub id: ID,
    pub kind: AnnouncementKind,
    pub message: String,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
}

impl From<announcement::Model> for Announcement {
    fn from(row: announcement::Model) -> Self {
        Announcement {
            id: ID(row.id.to_string()),
            kind: if row.kind == "MAINTENANCE" {
                AnnouncementKind::Maintenance
            } else {
                AnnouncementKind::Info
            },
            message: row.message,
            starts_at: row.starts_at,
            ends_at: row.ends_at,
        }
    }
}

#[derive(InputObject)]
pub struct BannerInput {
    pub title: String,
    pub image_url: String,
    pub alt: String,
    pub link_url: String,
    pub position: i32,
    pub starts_at: Option<DateTime<Utc>>,
    pub ends_at: Option<DateTime<Utc>>,
}

#[derive(InputObject)]
pub struct AnnouncementInput {
    pub kind: AnnouncementKind,
    pub message: String,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
}

// codes: INVALID_VALUE, INVALID_RANGE, NOT_FOUND
micromall_kit::payload!(BannerPayload, banner: Banner);
// codes: INVALID_VALUE, INVALID_RANGE
micromall_kit::payload!(AnnouncementPayload, announcement: Announcement);

/// The home page for one shopper.
pub struct HomePage {
    pub shared: Arc<Shared>,
    pub shopper: Option<Uuid>,
}

#[Object]
impl HomePage {
    /// Curated by the shop, in its order.
    async fn featured(&self) -> Vec<Product> {
        products(&self.shared.featured)
    }

    /// The newest products for sale.
    async fn new_arrivals(&self) -> Vec<Product> {
        products(&self.shared.new_arrivals)
    }

    /// By units paid for over the last 30 days.
    async fn best_sellers(&self) -> Vec<Product> {
        products(&self.shared.best_sellers)
    }

    /// Those on show now, in position order.
    async fn banners(&self) -> Vec<Banner> {
        let now = Utc::now();
        self.shared
            .banners
            .iter()
            .filter(|b| live(b.starts_at, b.ends_at, now))
            .cloned()
            .map(Banner::from)
            .collect()
    }

    /// For a signed-in shopper: from the categories of what they bought; else best sellers.
    async fn recommended(&self, ctx: &Context<'_>) -> Result<Vec<Product>> {
        let ids = service::<Marketing>(ctx)?
            .recommended(self.shopper)
            .await
            .map_err(ApiError::from)?;
        Ok(products(&ids))
    }

    /// Those within their window now, soonest ending first. A maintenance window is
    /// announced in advance by an announcement whose window opens before the maintenance.
    async fn announcements(&self) -> Vec<Announcement> {
        let now = Utc::now();
        self.shared
            .announcements
            .iter()
            .filter(|a| live(Some(a.starts_at), Some(a.ends_at), now))
            .cloned()
            .map(Announcement::from)
            .collect()
    }
}
