use async_graphql::{Context, ID, Object, Result};
use micromall_kit::answer;
use micromall_kit::graphql::{authenticated, service, viewer};

use super::types::{Review, ReviewPayload, SubmitReviewInput};
use crate::rules::MODERATE;
use crate::service::{NewReview, Reviews};

pub struct Mutation;

#[Object]
impl Mutation {
    /// A review of a product the signed-in customer received; one per product.
    #[graphql(directive = authenticated::apply())]
    async fn submit_review(
        &self,
        ctx: &Context<'_>,
        input: SubmitReviewInput,
    ) -> Result<ReviewPayload> {
        let author = viewer(ctx).require_user()?;
        let review = NewReview {
            product_id: input.product_id.0,
            rating: input.rating,
            title: input.title,
            body: input.body,
        };
        let submitted = service::<Reviews>(ctx)?.submit(author, &review).await;
        answer(submitted.map(Review))
    }

    /// Out of listings and out of the product's rating until restored.
    #[graphql(requires_scopes = "reviews:moderate")]
    async fn hide_review(&self, ctx: &Context<'_>, id: ID) -> Result<ReviewPayload> {
        viewer(ctx).require_scope(MODERATE)?;
        let hidden = service::<Reviews>(ctx)?.hide(&id).await;
        answer(hidden.map(Review))
    }

    #[graphql(requires_scopes = "reviews:moderate")]
    async fn restore_review(&self, ctx: &Context<'_>, id: ID) -> Result<ReviewPayload> {
        viewer(ctx).require_scope(MODERATE)?;
        let restored = service::<Reviews>(ctx)?.restore(&id).await;
        answer(restored.map(Review))
    }

    /// The merchant's answer, shown as the review's `reply` (a second reply replaces it).
    #[graphql(requires_scopes = "reviews:moderate")]
    async fn reply_to_review(
        &self,
        ctx: &Context<'_>,
        id: ID,
        body: String,
    ) -> Result<ReviewPayload> {
        viewer(ctx).require_scope(MODERATE)?;
        let replied = service::<Reviews>(ctx)?.reply(&id, &body).await;
        answer(replied.map(Review))
    }

    /// One vote per customer and review, changeable; not on one's own review.
    #[graphql(directive = authenticated::apply())]
    async fn vote_review(&self, ctx: &Context<'_>, id: ID, helpful: bool) -> Result<ReviewPayload> {
        let voter = viewer(ctx).require_user()?;
        let voted = service::<Reviews>(ctx)?.vote(voter, &id, helpful).await;
        answer(voted.map(Review))
    }
}
