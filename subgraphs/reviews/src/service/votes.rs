//! Helpful votes: one per customer and review, changeable; a review's `helpfulCount` moves
//! with each vote, never recounted.

use micromall_kit::{DomainError, refuse};
use uuid::Uuid;

use super::{Reviews, now};
use crate::entity::review;
use crate::refusal::Refusal;
use crate::rules;
use crate::store;

impl Reviews {
    /// `voter` says whether review `id` helped them.
    pub async fn vote(
        &self,
        voter: Uuid,
        id: &str,
        helpful: bool,
    ) -> Result<review::Model, DomainError<Refusal>> {
        let Ok(id) = Uuid::parse_str(id) else {
            return refuse(Refusal::ReviewNotFound);
        };
        let Some(review) = store::review(&self.db, id).await? else {
            return refuse(Refusal::ReviewNotFound);
        };
        if review.hidden_at.is_some() {
            return refuse(Refusal::ReviewNotFound);
        }
        if review.author_id == voter {
            return refuse(Refusal::OwnReview);
        }
        let now = now();
        let txn = micromall_kit::db::begin_write(&self.db).await?;
        let before = store::cast_vote(&txn, id, voter, helpful, now).await?;
        let delta = rules::helpful_delta(before, helpful);
        if delta != 0 {
            store::shift_helpful(&txn, id, delta, now).await?;
        }
        let review = store::review_now(&txn, id).await?;
        txn.commit().await?;
        Ok(review)
    }
}
