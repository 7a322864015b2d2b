//! API types of the cart section of the contract.

use async_graphql::{ID, SimpleObject};
use micromall_kit::money::Money;

use crate::pricing::{PricedCart, PricedLine};

#[derive(SimpleObject)]
pub struct Cart {
    pub id: ID,
    pub lines: Vec<CartLine>,
    pub item_count: i32,
    pub subtotal: Money,
    pub discount: Money,
    pub total: Money,
    pub coupon_code: Option<String>,
}

#[derive(SimpleObject)]
pub struct CartLine {
    pub id: ID,
    pub variant: ProductVariantRef,
    pub quantity: i32,
    pub unit_price: Money,
    pub line_total: Money,
}

/// A variant as cart refers to it; the router completes it from catalog and inventory.
#[derive(SimpleObject)]
#[graphql(name = "ProductVariant", unresolvable = "id")]
pub struct ProductVariantRef {
    pub id: ID,
}

micromall_kit::payload!(
    /// codes: NOT_FOUND, INVALID_QUANTITY, INSUFFICIENT_STOCK, INVALID_COUPON, COUPON_EXPIRED,
    /// COUPON_MINIMUM_NOT_MET, COUPON_USAGE_LIMIT
    CartPayload,
    cart: Cart
);

impl From<PricedCart> for Cart {
    fn from(cart: PricedCart) -> Self {
        Self {
            id: ID(cart.id.to_string()),
            lines: cart.lines.into_iter().map(CartLine::from).collect(),
            item_count: cart.item_count,
            subtotal: cart.subtotal,
            discount: cart.discount,
            total: cart.total,
            coupon_code: cart.coupon_code,
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
            line_total: line.line_total,
        }
    }
}
