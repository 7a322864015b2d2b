//! The back office's figures for a range of dates.

use chrono::{DateTime, Utc};
use micromall_kit::ApiError;
use uuid::Uuid;

use super::Insights;
use crate::rules::{self, Figures, LOW_STOCK, MAX_LOW_STOCK};
use crate::store;

/// The figures of a range, with the funnel and the stock running low now.
pub struct Report {
    pub figures: Figures,
    pub carts_created: u64,
    pub orders_placed: u64,
    pub low_stock: Vec<Uuid>,
}

impl Insights {
    pub async fn report(&self, from: DateTime<Utc>, to: DateTime<Utc>) -> Result<Report, ApiError> {
        rules::check_range(from, to).map_err(ApiError::bad_input)?;
        let paid = store::paid_between(&self.db, from, to).await?;
        let ids: Vec<Uuid> = paid.iter().map(|o| o.order_id).collect();
        let items = store::items_of(&self.db, &ids).await?;
        let refunds = store::refunds_between(&self.db, from, to).await?;
        Ok(Report {
            figures: rules::figures(from, to, &paid, &items, &refunds, &self.currency),
            carts_created: store::carts_between(&self.db, from, to).await?,
            orders_placed: store::placed_between(&self.db, from, to).await?,
            low_stock: store::low_stock(&self.db, LOW_STOCK, MAX_LOW_STOCK).await?,
        })
    }
}
