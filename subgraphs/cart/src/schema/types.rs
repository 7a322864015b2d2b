//! API types of the cart section of the contract.

use async_graphql::{ID, SimpleObject};
use micromall_kit::money::Money;
use micromall_kit::outcome::path;
use micromall_kit::{DomainError, DomainRefusal, UserError};

use crate::pricing::{PricedCart, PricedLine};
use crate::refusal::Refusal;

#[derive(SimpleObject)]
pub struct Cart {
    pub id: ID,
    pub lines: Vec<CartLine>,
    pub item_count: i32,
    pub subtotal: Money,
    pub discount: Money,
    pub total: Money,
    pub coupon_code: Option<String>,
    /// Why the applied coupon gives nothing now (expired, minimum not met, ...); null when
    /// it applies.
    pub coupon_issue: Option<UserError>,
    /// E.g. a `FREE_SHIPPING` coupon: its amount is known at checkout, once the shipping
    /// method is; until then zero, with `freeShipping` saying delivery will be free.
    pub shipping_discount: Money,
    /// Delivery will be free: a `FREE_SHIPPING` coupon or promotion applies.
    pub free_shipping: bool,
}

#[derive(SimpleObject)]
pub struct CartLine {
    pub id: ID,
    pub variant: ProductVariantRef,
    pub quantity: i32,
    pub unit_price: Money,
    /// Promotions' and the coupon's share for this line.
    pub discount: Money,
    /// E.g. `coupon:SPRING10`, `promotion:Summer sale`.
    pub discount_sources: Vec<String>,
    /// What the line costs: unit price × quantity, less its discount.
    pub line_total: Money,
}

/// A variant as cart refers to it; the router completes it from catalog and inventory.
#[derive(SimpleObject)]
#[graphql(name = "ProductVariant", unresolvable = "id")]
pub struct ProductVariantRef {
    pub id: ID,
}

/// codes: NOT_FOUND, INVALID_QUANTITY, INSUFFICIENT_STOCK, INVALID_COUPON, COUPON_EXPIRED,
/// COUPON_MINIMUM_NOT_MET, COUPON_USAGE_LIMIT, COUPON_NOT_APPLICABLE
#[derive(SimpleObject)]
pub struct CartPayload {
    pub cart: Option<Cart>,
    /// A guest's cart token: issued with the first `addToCart` of a shopper who has not
    /// signed in, to send with every later cart operation (conventions.md).
    pub cart_token: Option<String>,
    pub user_errors: Vec<UserError>,
}

impl CartPayload {
    /// The payload of a cart operation: the cart, or its refusal (either with the guest's
    /// token); a failure is a top-level error.
    pub fn answer(
        outcome: Result<PricedCart, DomainError<Refusal>>,
        cart_token: Option<String>,
    ) -> async_graphql::Result<CartPayload> {
        match outcome {
            Ok(cart) => Ok(CartPayload {
                cart: Some(cart.into()),
                cart_token,
                user_errors: Vec::new(),
            }),
            Err(DomainError::Refused(refusal)) => Ok(CartPayload {
                cart: None,
                cart_token,
                user_errors: refusal.user_errors(),
            }),
            Err(DomainError::Failed(err)) => Err(err.into()),
        }
    }
}

impl From<PricedCart> for Cart {
    fn from(cart: PricedCart) -> Self {
        Self {
            id: ID(cart.id.to_string()),
            lines: cart.lines.into_iter().map(CartLine::from).collect(),
            item_count: cart.item_count,
            subtotal: cart.subtotal,
            discount: cart.discount,
            shipping_discount: Money::zero(&cart.total.currency),
            total: cart.total,
            coupon_code: cart.coupon_code,
            coupon_issue: cart.coupon_issue.map(|issue| UserError {
                field: path(&["couponCode"]),
                message: issue.message,
                code: issue.code,
            }),
            free_shipping: cart.free_shipping,
        }
    }
}

impl From<PricedLine> for CartLine {
    fn from(line: PricedLine) -> Self {
        Self {
            id: ID(line.id.to_string()),
            variant: ProductVariantRef {
                id: ID(line.variant_id.to_string()),
            },
            quantity: line.quantity,
            unit_price: line.unit_price,
            discount: line.discount,
            discount_sources: line.discount_sources,
            line_total: line.line_total,
        }
    }
}
