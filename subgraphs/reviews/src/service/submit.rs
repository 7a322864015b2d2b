//! Writing a review: only a customer who received the product, once per product; the
//! product's rating totals change in the same transaction.

use micromall_kit::contracts::shipping::ShipmentEvent;
use micromall_kit::outcome::Verdict;
use micromall_kit::{DomainError, refuse};
use sea_orm::{ConnectionTrait, DbErr};
use uuid::Uuid;

use super::{Reviews, now};
use crate::entity::review;
use crate::events;
use crate::refusal::Refusal;
use crate::rules::{self, Draft, TallyChange};
use crate::store;

/// A review as the customer submits it.
#[derive(Debug, Clone)]
pub struct NewReview {
    pub product_id: String,
    pub rating: i32,
    pub title: String,
    pub body: String,
}

impl Reviews {
    /// `author`'s review of a product they received. Also how the demo shop seeds reviews
    /// (after `record_purchase`).
    pub async fn submit(
        &self,
        author: Uuid,
        review: &NewReview,
    ) -> Result<review::Model, DomainError<Refusal>> {
        let checked = rules::check_draft(&Draft {
            product_id: &review.product_id,
            rating: review.rating,
            title: &review.title,
            body: &review.body,
        })
        .or_refuse()?;
        if !store::has_purchased(&self.db, author, checked.product_id).await? {
            return refuse(Refusal::NotPurchased);
        }
        let now = now();
        let written = review::Model {
            id: Uuid::now_v7(),
            product_id: checked.product_id,
            author_id: author,
            rating: checked.rating,
            title: checked.title,
            body: checked.body,
            verified_purchase: true,
            helpful_count: 0,
            reply: None,
            replied_at: None,
            hidden_at: None,
            created_at: now,
            updated_at: now,
        };
        let txn = micromall_kit::db::begin_write(&self.db).await?;
        match store::insert_review(&txn, written.clone()).await {
            Ok(()) => {}
            Err(err) if store::already_reviewed(&err) => {
                txn.rollback().await?;
                return refuse(Refusal::AlreadyReviewed);
            }
            Err(err) => return Err(err.into()),
        }
        let tally = store::shift_tally(
            &txn,
            written.product_id,
            TallyChange::shown(written.rating),
            now,
        )
        .await?;
        events::rating_changed(&self.outbox, &txn, written.product_id, &tally).await?;
        self.commit(txn).await?;
        Ok(written)
    }

    /// Records that `customer` received `product`, as a delivered shipment does (for seeding
    /// the demo shop, whose purchases no shipment made).
    pub async fn record_purchase(&self, customer: Uuid, product: Uuid) -> Result<(), DbErr> {
        store::record_purchases(&self.db, customer, &[product], now()).await
    }

    /// A delivered shipment, in the caller's (inbox) transaction: its products become
    /// reviewable by its customer.
    pub(crate) async fn delivered_in(
        &self,
        txn: &impl ConnectionTrait,
        shipment: &ShipmentEvent,
    ) -> Result<(), DbErr> {
        let mut products: Vec<Uuid> = shipment.lines.iter().map(|l| l.product_id).collect();
        products.sort_unstable();
        products.dedup();
        store::record_purchases(txn, shipment.customer_id, &products, now()).await
    }
}
