use async_graphql::{Context, ID, Object, Result};
use micromall_kit::graphql::{service, viewer};
use uuid::Uuid;

use super::types::{Product, Review, User};
use crate::service::Reviews;

pub struct Query;

#[Object]
impl Query {
    /// Federation: any product id has reviews and a rating (none and empty when never
    /// reviewed); catalog says whether the product exists.
    #[graphql(entity)]
    async fn find_product_by_id(&self, id: ID) -> Option<Product> {
        Uuid::parse_str(&id).ok().map(|id| Product { id })
    }

    /// Federation: users, to resolve their `reviews`.
    #[graphql(entity)]
    async fn find_user_by_id(&self, id: ID) -> Option<User> {
        Uuid::parse_str(&id).ok().map(|id| User { id })
    }

    /// Federation: reviews by id; a hidden one only for its author and moderators.
    #[graphql(entity)]
    async fn find_review_by_id(&self, ctx: &Context<'_>, id: ID) -> Result<Option<Review>> {
        let review = service::<Reviews>(ctx)?
            .review_seen_by(viewer(ctx), &id)
            .await
            .map_err(micromall_kit::ApiError::from)?;
        Ok(review.map(Review))
    }
}
