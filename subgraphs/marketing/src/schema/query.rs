use async_graphql::{Context, Object, Result};
use micromall_kit::ApiError;
use micromall_kit::graphql::{service, viewer};
use micromall_kit::pagination::{Page, PageRequest, build_page};

use super::home::HomePage;
use super::types::{Coupon, Promotion};
use crate::rules::MARKETING_WRITE;
use crate::service::Marketing;

pub struct Query;

#[Object]
impl Query {
    /// Every coupon, oldest first.
    #[graphql(requires_scopes = "marketing:write")]
    async fn coupons(
        &self,
        ctx: &Context<'_>,
        #[graphql(default = 20)] first: Option<i32>,
        after: Option<String>,
    ) -> Result<Page<Coupon>> {
        viewer(ctx).require_scope(MARKETING_WRITE)?;
        let page = PageRequest::parse(first, after)?;
        let (rows, total) = service::<Marketing>(ctx)?
            .coupons(&page)
            .await
            .map_err(ApiError::from)?;
        Ok(build_page(
            &page,
            rows,
            total,
            |c| c.id.to_string(),
            Coupon::from,
        ))
    }

    /// The storefront's home page; `recommended` is personal for a signed-in shopper.
    async fn home(&self, ctx: &Context<'_>) -> Result<HomePage> {
        let shared = service::<Marketing>(ctx)?
            .home()
            .await
            .map_err(ApiError::from)?;
        Ok(HomePage {
            shared,
            shopper: viewer(ctx).user_id,
        })
    }

    /// Every promotion, newest first, switched off ones included.
    #[graphql(requires_scopes = "marketing:write")]
    async fn promotions(&self, ctx: &Context<'_>) -> Result<Vec<Promotion>> {
        viewer(ctx).require_scope(MARKETING_WRITE)?;
        let rows = service::<Marketing>(ctx)?
            .promotions()
            .await
            .map_err(ApiError::from)?;
        Ok(rows.into_iter().map(Promotion::from).collect())
    }
}
