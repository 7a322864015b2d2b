use async_graphql::{Context, ID, Object, Result};
use micromall_kit::answer;
use micromall_kit::graphql::{service, viewer};

use super::home::{
    Announcement, AnnouncementInput, AnnouncementPayload, Banner, BannerInput, BannerPayload,
    Product,
};
use super::types::{
    Coupon, CouponPayload, CreateCouponInput, GenerateCouponCodesInput, GeneratedCodesPayload,
    Promotion, PromotionInput, PromotionPayload, PromotionTarget, UpdateCouponInput, strings,
};
use crate::rules::MARKETING_WRITE;
use crate::rules::home::BannerTerms;
use crate::service::{CouponChanges, Marketing, NewCoupon, NewPromotion};

pub struct Mutation;

fn limit(n: Option<i32>) -> Option<i64> {
    n.map(i64::from)
}

impl From<PromotionInput> for NewPromotion {
    fn from(input: PromotionInput) -> Self {
        NewPromotion {
            name: input.name,
            kind: input.kind.into(),
            value: input.value,
            on_order: input.target == PromotionTarget::Order,
            category_ids: strings(input.category_ids),
            product_ids: strings(input.product_ids),
            min_subtotal: input.min_subtotal,
            priority: input.priority.unwrap_or(0),
            stackable: input.stackable.unwrap_or(false),
            starts_at: input.starts_at,
            ends_at: input.ends_at,
        }
    }
}

#[Object]
impl Mutation {
    /// A code shoppers can apply to their cart; codes are unique regardless of case.
    #[graphql(requires_scopes = "marketing:write")]
    async fn create_coupon(
        &self,
        ctx: &Context<'_>,
        input: CreateCouponInput,
    ) -> Result<CouponPayload> {
        viewer(ctx).require_scope(MARKETING_WRITE)?;
        let coupon = NewCoupon {
            code: input.code,
            kind: input.kind.into(),
            value: input.value,
            min_subtotal: input.min_subtotal,
            starts_at: input.starts_at,
            ends_at: input.ends_at,
            usage_limit: limit(input.usage_limit),
            per_customer_limit: limit(input.per_customer_limit),
            category_ids: strings(input.category_ids),
            product_ids: strings(input.product_ids),
        };
        let created = service::<Marketing>(ctx)?.create_coupon(coupon).await;
        answer(created.map(Coupon::from))
    }

    /// Changes the given terms; absent fields stay as they are.
    #[graphql(requires_scopes = "marketing:write")]
    async fn update_coupon(
        &self,
        ctx: &Context<'_>,
        id: ID,
        input: UpdateCouponInput,
    ) -> Result<CouponPayload> {
        viewer(ctx).require_scope(MARKETING_WRITE)?;
        let changes = CouponChanges {
            value: input.value,
            min_subtotal: input.min_subtotal,
            starts_at: input.starts_at,
            ends_at: input.ends_at,
            usage_limit: limit(input.usage_limit),
            per_customer_limit: limit(input.per_customer_limit),
            category_ids: input.category_ids.map(|ids| strings(Some(ids))),
            product_ids: input.product_ids.map(|ids| strings(Some(ids))),
        };
        let updated = service::<Marketing>(ctx)?.update_coupon(&id, changes).await;
        answer(updated.map(Coupon::from))
    }

    /// Carts holding it are told it no longer exists; orders placed with it keep their discount.
    #[graphql(requires_scopes = "marketing:write")]
    async fn deactivate_coupon(&self, ctx: &Context<'_>, id: ID) -> Result<CouponPayload> {
        viewer(ctx).require_scope(MARKETING_WRITE)?;
        let done = service::<Marketing>(ctx)?.deactivate_coupon(&id).await;
        answer(done.map(Coupon::from))
    }

    /// `count` single codes with the terms of coupon `like`, each with its own budget.
    #[graphql(requires_scopes = "marketing:write")]
    async fn generate_coupon_codes(
        &self,
        ctx: &Context<'_>,
        input: GenerateCouponCodesInput,
    ) -> Result<GeneratedCodesPayload> {
        viewer(ctx).require_scope(MARKETING_WRITE)?;
        answer(
            service::<Marketing>(ctx)?
                .generate_codes(&input.like, &input.prefix, input.count)
                .await,
        )
    }

    #[graphql(requires_scopes = "marketing:write")]
    async fn create_promotion(
        &self,
        ctx: &Context<'_>,
        input: PromotionInput,
    ) -> Result<PromotionPayload> {
        viewer(ctx).require_scope(MARKETING_WRITE)?;
        let created = service::<Marketing>(ctx)?
            .create_promotion(input.into())
            .await;
        answer(created.map(Promotion::from))
    }

    /// Replaces the promotion's terms; orders already placed keep what they got.
    #[graphql(requires_scopes = "marketing:write")]
    async fn update_promotion(
        &self,
        ctx: &Context<'_>,
        id: ID,
        input: PromotionInput,
    ) -> Result<PromotionPayload> {
        viewer(ctx).require_scope(MARKETING_WRITE)?;
        let updated = service::<Marketing>(ctx)?
            .update_promotion(&id, input.into())
            .await;
        answer(updated.map(Promotion::from))
    }

    #[graphql(requires_scopes = "marketing:write")]
    async fn deactivate_promotion(&self, ctx: &Context<'_>, id: ID) -> Result<PromotionPayload> {
        viewer(ctx).require_scope(MARKETING_WRITE)?;
        let done = service::<Marketing>(ctx)?.deactivate_promotion(&id).await;
        answer(done.map(Promotion::from))
    }

    /// A banner for the home page, on show within its window.
    #[graphql(requires_scopes = "marketing:write")]
    async fn create_banner(&self, ctx: &Context<'_>, input: BannerInput) -> Result<BannerPayload> {
        viewer(ctx).require_scope(MARKETING_WRITE)?;
        let terms = BannerTerms {
            title: input.title,
            image_url: input.image_url,
            alt: input.alt,
            link_url: input.link_url,
            position: input.position,
            starts_at: input.starts_at,
            ends_at: input.ends_at,
        };
        let created = service::<Marketing>(ctx)?.create_banner(terms).await;
        answer(created.map(Banner::from))
    }

    #[graphql(requires_scopes = "marketing:write")]
    async fn delete_banner(&self, ctx: &Context<'_>, id: ID) -> Result<BannerPayload> {
        viewer(ctx).require_scope(MARKETING_WRITE)?;
        let deleted = service::<Marketing>(ctx)?.delete_banner(&id).await;
        answer(deleted.map(Banner::from))
    }

    /// The home page's featured products, in this order (at most 24; each must exist).
    #[graphql(requires_scopes = "marketing:write")]
    async fn set_featured_products(
        &self,
        ctx: &Context<'_>,
        product_ids: Vec<ID>,
    ) -> Result<Vec<Product>> {
        viewer(ctx).require_scope(MARKETING_WRITE)?;
        let ids: Vec<String> = product_ids.into_iter().map(|id| id.0).collect();
        match service::<Marketing>(ctx)?.set_featured(&ids).await {
            Ok(set) => Ok(set
                .into_iter()
                .map(|id| Product {
                    id: ID(id.to_string()),
                })
                .collect()),
            Err(micromall_kit::DomainError::Refused(refusal)) => {
                use micromall_kit::DomainRefusal;
                Err(micromall_kit::ApiError::bad_input(refusal.message()).into())
            }
            Err(micromall_kit::DomainError::Failed(err)) => Err(err.into()),
        }
    }

    /// A notice for shoppers, shown on the home page within its window.
    #[graphql(requires_scopes = "marketing:write")]
    async fn create_announcement(
        &self,
        ctx: &Context<'_>,
        input: AnnouncementInput,
    ) -> Result<AnnouncementPayload> {
        viewer(ctx).require_scope(MARKETING_WRITE)?;
        let created = service::<Marketing>(ctx)?
            .create_announcement(
                input.kind.as_str(),
                &input.message,
                input.starts_at,
                input.ends_at,
            )
            .await;
        answer(created.map(Announcement::from))
    }
}
