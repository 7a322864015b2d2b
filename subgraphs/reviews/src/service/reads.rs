//! Reading reviews: one review for whoever may see it, pages of a product's and of a
//! customer's visible reviews, and the rating totals of many products at once.

use std::collections::HashMap;

use micromall_kit::auth::Viewer;
use micromall_kit::pagination::PageRequest;
use micromall_kit::{ApiError, ApiResult};
use sea_orm::DbErr;
use uuid::Uuid;

use super::Reviews;
use crate::entity::review;
use crate::rules::{self, Position, ReviewOrder, Tally};
use crate::store;

fn invalid_cursor() -> ApiError {
    ApiError::bad_input("`after` is not a valid cursor")
}

impl Reviews {
    /// A review, if `viewer` may see it: anyone a visible one, its author and moderators a
    /// hidden one too. A malformed id is no review.
    pub async fn review_seen_by(
        &self,
        viewer: &Viewer,
        id: &str,
    ) -> Result<Option<review::Model>, DbErr> {
        let Ok(id) = Uuid::parse_str(id) else {
            return Ok(None);
        };
        let review = store::review(&self.db, id).await?;
        Ok(review.filter(|r| rules::may_see(viewer, r.author_id, r.hidden_at.is_some())))
    }

    /// A page of the product's visible reviews in `order` (one row more than the page, to
    /// tell whether another follows).
    pub async fn product_reviews(
        &self,
        product: Uuid,
        order: ReviewOrder,
        page: &PageRequest,
    ) -> ApiResult<Vec<review::Model>> {
        let after = page
            .after
            .as_deref()
            .map(|key| rules::position_after(order, key).ok_or_else(invalid_cursor))
            .transpose()?;
        Ok(store::product_page(&self.db, product, order, after, page.fetch_limit()).await?)
    }

    /// A page of the customer's visible reviews, newest first, and how many there are.
    pub async fn user_reviews(
        &self,
        author: Uuid,
        page: &PageRequest,
    ) -> ApiResult<(Vec<review::Model>, u64)> {
        let before = page
            .after
            .as_deref()
            .map(|key| rules::position_after(ReviewOrder::Newest, key).ok_or_else(invalid_cursor))
            .transpose()?
            .map(|at| at.id);
        Ok(store::author_page(&self.db, author, before, page.fetch_limit()).await?)
    }

    /// The rating totals of each product; products never reviewed are absent.
    pub async fn tallies(&self, products: &[Uuid]) -> Result<HashMap<Uuid, Tally>, DbErr> {
        store::tallies(&self.db, products).await
    }
}

/// The cursor key of a review in a listing `order`.
pub fn cursor_of(order: ReviewOrder, review: &review::Model) -> String {
    rules::cursor_key(
        order,
        Position {
            key: order.key_of(review.rating, review.helpful_count),
            id: review.id,
        },
    )
}
