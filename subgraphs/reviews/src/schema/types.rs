//! API types of the reviews section of the contract, and what reviews adds to `Product`
//! and `User`.

use async_graphql::dataloader::DataLoader;
use async_graphql::{Context, Enum, ID, InputObject, Object, Result, SimpleObject};
use chrono::{DateTime, Utc};
use micromall_kit::graphql::{by_first, edges_and_nodes, list_size, paged_complexity, service};
use micromall_kit::pagination::{Page, PageRequest, build_page};
use uuid::Uuid;

use super::loaders::RatingLoader;
use crate::entity::review;
use crate::rules::{ReviewOrder, Tally};
use crate::service::{Reviews, cursor_of};

pub struct Review(pub review::Model);

#[Object]
impl Review {
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }

    async fn product(&self) -> Product {
        Product {
            id: self.0.product_id,
        }
    }

    /// Accounts shows another user's id and name only.
    async fn author(&self) -> User {
        User {
            id: self.0.author_id,
        }
    }

    /// 1..5.
    async fn rating(&self) -> i32 {
        self.0.rating
    }

    /// Plain text, as written.
    async fn title(&self) -> &str {
        &self.0.title
    }

    /// Plain text, as written (newlines and tabs kept).
    async fn body(&self) -> &str {
        &self.0.body
    }

    async fn verified_purchase(&self) -> bool {
        self.0.verified_purchase
    }

    async fn helpful_count(&self) -> i32 {
        i32::try_from(self.0.helpful_count).unwrap_or(i32::MAX)
    }

    /// The merchant's answer, if any.
    async fn reply(&self) -> Option<&str> {
        self.0.reply.as_deref()
    }

    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
}

#[derive(Enum, Copy, Clone, PartialEq, Eq)]
pub enum ReviewSort {
    Newest,
    Highest,
    Lowest,
    MostHelpful,
}

impl From<ReviewSort> for ReviewOrder {
    fn from(sort: ReviewSort) -> Self {
        match sort {
            ReviewSort::Newest => ReviewOrder::Newest,
            ReviewSort::Highest => ReviewOrder::Highest,
            ReviewSort::Lowest => ReviewOrder::Lowest,
            ReviewSort::MostHelpful => ReviewOrder::MostHelpful,
        }
    }
}

// A shared cache (the router's, for anonymous callers) may keep ratings for five seconds.
#[derive(SimpleObject)]
#[graphql(cache_control(max_age = 5))]
pub struct RatingSummary {
    /// Null when there are no reviews.
    pub average: Option<f64>,
    pub count: i32,
    /// Five counts: ratings 1, 2, 3, 4, 5.
    pub histogram: Vec<i32>,
}

impl From<Tally> for RatingSummary {
    fn from(tally: Tally) -> Self {
        let int = |n: i64| i32::try_from(n).unwrap_or(i32::MAX);
        Self {
            average: tally.average(),
            count: int(tally.count),
            histogram: tally.stars.iter().copied().map(int).collect(),
        }
    }
}

/// Catalog's product; reviews contributes its `reviews` and `rating`.
pub struct Product {
    pub id: Uuid,
}

#[Object]
impl Product {
    async fn id(&self) -> ID {
        ID(self.id.to_string())
    }

    /// Visible reviews; hidden ones are not listed.
    #[graphql(
        directive = list_size::apply(None, by_first(), edges_and_nodes()),
        complexity = "paged_complexity(first, child_complexity)"
    )]
    async fn reviews(
        &self,
        ctx: &Context<'_>,
        #[graphql(default = 20)] first: Option<i32>,
        after: Option<String>,
        #[graphql(default_with = "Some(ReviewSort::Newest)")] sort: Option<ReviewSort>,
    ) -> Result<Page<Review>> {
        let page = PageRequest::parse(first, after)?;
        let order = ReviewOrder::from(sort.unwrap_or(ReviewSort::Newest));
        // The rating's totals count exactly the visible reviews; asked for at once, so a
        // list of products loads them in one batch with their `rating`.
        let (rows, tally) = futures::join!(
            service::<Reviews>(ctx)?.product_reviews(self.id, order, &page),
            self.tally(ctx)
        );
        let (rows, total) = (rows?, tally?.count);
        Ok(build_page(
            &page,
            rows,
            u64::try_from(total).unwrap_or(0),
            |r| cursor_of(order, r),
            Review,
        ))
    }

    /// Of the visible reviews; loaded with the other products' of the request.
    async fn rating(&self, ctx: &Context<'_>) -> Result<RatingSummary> {
        Ok(self.tally(ctx).await?.into())
    }
}

impl Product {
    async fn tally(&self, ctx: &Context<'_>) -> Result<Tally> {
        Ok(ctx
            .data_unchecked::<DataLoader<RatingLoader>>()
            .load_one(self.id)
            .await?
            .unwrap_or_default())
    }
}

/// Accounts' user; reviews contributes their (public) `reviews`.
pub struct User {
    pub id: Uuid,
}

#[Object]
impl User {
    async fn id(&self) -> ID {
        ID(self.id.to_string())
    }

    /// Their visible reviews, newest first: public, like the reviews themselves.
    #[graphql(
        directive = list_size::apply(None, by_first(), edges_and_nodes()),
        complexity = "paged_complexity(first, child_complexity)"
    )]
    async fn reviews(
        &self,
        ctx: &Context<'_>,
        #[graphql(default = 20)] first: Option<i32>,
        after: Option<String>,
    ) -> Result<Page<Review>> {
        let page = PageRequest::parse(first, after)?;
        let (rows, total) = service::<Reviews>(ctx)?
            .user_reviews(self.id, &page)
            .await?;
        Ok(build_page(
            &page,
            rows,
            total,
            |r| cursor_of(ReviewOrder::Newest, r),
            Review,
        ))
    }
}

#[derive(InputObject)]
pub struct SubmitReviewInput {
    pub product_id: ID,
    /// 1..5.
    pub rating: i32,
    pub title: String,
    pub body: String,
}

micromall_kit::payload!(
    /// codes: NOT_FOUND, INVALID_RATING, ALREADY_REVIEWED, NOT_PURCHASED, INVALID_TITLE,
    /// INVALID_BODY, OWN_REVIEW
    ReviewPayload,
    review: Review
);
