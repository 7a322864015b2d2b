//! Marketing beside catalog on one in-process stack, with an admin and helpers to call the
//! internal endpoints as checkout would.

#![allow(dead_code)]

use micromall_kit::testing::{Backend, TestStack, internal_call};
use serde_json::{Value, json};
use uuid::Uuid;

pub use micromall_kit::testing::codes;

pub struct Shop {
    pub stack: TestStack,
    /// `marketing:write`.
    pub admin: String,
}

impl Shop {
    pub async fn start(backend: Backend) -> Self {
        let stack = TestStack::start(
            backend,
            &[&micromall_catalog::SUBGRAPH, &micromall_marketing::SUBGRAPH],
            |_| {},
        )
        .await;
        let admin = stack.token(&["marketing:write", "catalog:write"]);
        Self { stack, admin }
    }

    /// With orders beside marketing, and holds checked with it as soon as they are made.
    pub async fn with_orders_checking_holds_at_once(backend: Backend) -> Self {
        let stack = TestStack::start(
            backend,
            &[
                &micromall_catalog::SUBGRAPH,
                &micromall_orders::SUBGRAPH,
                &micromall_marketing::SUBGRAPH,
            ],
            |settings| {
                settings.marketing.hold_check_after = std::time::Duration::ZERO;
                settings.marketing.hold_sweep_interval = std::time::Duration::from_millis(100);
            },
        )
        .await;
        let admin = stack.token(&["marketing:write", "catalog:write"]);
        Self { stack, admin }
    }

    pub async fn gql(&self, query: &str, variables: Value, token: Option<&str>) -> Value {
        self.stack
            .client("marketing")
            .gql(query, variables, token)
            .await
    }

    /// `createCoupon(input)`'s payload.
    pub async fn create_coupon(&self, input: Value) -> Value {
        let body = self
            .gql(
                "mutation($i: CreateCouponInput!) { createCoupon(input: $i) {
                   coupon { id code kind value categoryIds productIds minSubtotal usageLimit perCustomerLimit timesUsed active startsAt endsAt }
                   userErrors { code field message } } }",
                json!({ "i": input }),
                Some(&self.admin),
            )
            .await;
        assert!(body.get("errors").is_none(), "{body}");
        body["data"]["createCoupon"].clone()
    }

    /// Calls marketing's internal `path` as orders would: (status, body).
    pub async fn internal(&self, path: &str, body: &Value) -> (u16, Value) {
        let token = self.stack.service_token("orders", "marketing");
        internal_call(&self.stack.base_url("marketing"), path, body, Some(&token)).await
    }

    pub async fn hold(&self, order: Uuid, customer: Uuid, code: &str) -> (u16, Value) {
        self.internal(
            "hold",
            &json!({ "orderId": order, "customerId": customer, "couponCode": code }),
        )
        .await
    }

    /// Marketing's discounts for one line of `quantity` at `price` of a new product.
    pub async fn price(&self, customer: Uuid, price: &str, quantity: i64, code: &str) -> Value {
        let (status, body) = self
            .internal(
                "price",
                &json!({
                    "customerId": customer,
                    "items": [{ "variantId": Uuid::now_v7(), "productId": Uuid::now_v7(), "categoryIds": [], "unitPrice": price, "quantity": quantity }],
                    "couponCode": code,
                }),
            )
            .await;
        assert_eq!(status, 200, "{body}");
        body
    }
}
