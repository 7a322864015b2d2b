//! Moderation: hiding a review takes it out of listings and out of its product's rating,
//! restoring brings it back, each exactly once however often it is asked; the merchant's
//! reply is shown with the review.

use micromall_kit::outcome::Verdict;
use micromall_kit::{DomainError, refuse};
use uuid::Uuid;

use super::{Reviews, now};
use crate::entity::review;
use crate::events;
use crate::refusal::Refusal;
use crate::rules::{self, TallyChange};
use crate::store;

fn review_id(id: &str) -> Result<Uuid, DomainError<Refusal>> {
    Uuid::parse_str(id).or_else(|_| refuse(Refusal::ReviewNotFound))
}

impl Reviews {
    pub async fn hide(&self, id: &str) -> Result<review::Model, DomainError<Refusal>> {
        self.set_hidden(review_id(id)?, true).await
    }

    pub async fn restore(&self, id: &str) -> Result<review::Model, DomainError<Refusal>> {
        self.set_hidden(review_id(id)?, false).await
    }

    /// Hides or shows the review; only the call that changes it changes the rating.
    async fn set_hidden(
        &self,
        id: Uuid,
        hidden: bool,
    ) -> Result<review::Model, DomainError<Refusal>> {
        let now = now();
        let txn = micromall_kit::db::begin_write(&self.db).await?;
        let Some(review) = store::review(&txn, id).await? else {
            txn.rollback().await?;
            return refuse(Refusal::ReviewNotFound);
        };
        if store::set_hidden(&txn, id, hidden, now).await? {
            let change = if hidden {
                TallyChange::hidden(review.rating)
            } else {
                TallyChange::shown(review.rating)
            };
            let tally = store::shift_tally(&txn, review.product_id, change, now).await?;
            events::rating_changed(&self.outbox, &txn, review.product_id, &tally).await?;
        }
        let review = store::review_now(&txn, id).await?;
        self.commit(txn).await?;
        Ok(review)
    }

    /// Sets (or replaces) the merchant's answer to a review.
    pub async fn reply(&self, id: &str, body: &str) -> Result<review::Model, DomainError<Refusal>> {
        let id = review_id(id)?;
        let reply = rules::check_reply(body).or_refuse()?;
        let txn = micromall_kit::db::begin_write(&self.db).await?;
        if !store::set_reply(&txn, id, &reply, now()).await? {
            txn.rollback().await?;
            return refuse(Refusal::ReviewNotFound);
        }
        let review = store::review_now(&txn, id).await?;
        txn.commit().await?;
        Ok(review)
    }
}
