//! The contracts between domains that do not go through the public API: internal endpoints
//! (request and answer types, paths) and event subjects with their payloads. Both sides use
//! these types, so a change to a contract is a change in one place.
//!
//! Every internal endpoint is a read or idempotent by a key of its request: a caller whose
//! answer was lost asks again (`InternalClient::call`), so a new endpoint must be too.

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// catalog: `POST /internal/variants`.
pub mod catalog {
    use super::*;

    pub const SERVICE: &str = "catalog";
    /// `VariantsRequest` → `VariantsResponse`.
    pub const VARIANTS: &str = "variants";
    /// `KnownRequest` → `KnownRequest`: those of the ids that name a category or product.
    pub const KNOWN: &str = "known";

    #[derive(Debug, Clone, Default, Serialize, Deserialize)]
    #[serde(rename_all = "camelCase")]
    pub struct KnownRequest {
        pub category_ids: Vec<Uuid>,
        pub product_ids: Vec<Uuid>,
    }

    #[derive(Debug, Clone, Serialize, Deserialize)]
    pub struct VariantsRequest {
        pub ids: Vec<Uuid>,
    }

    /// A variant as it can be sold now; unknown ids are left out of the answer.
    #[derive(Debug, Clone, Serialize, Deserialize)]
    #[serde(rename_all = "camelCase")]
    pub struct VariantFacts {
        pub id: Uuid,
        pub sku: String,
        pub name: String,
        pub product_id: Uuid,
        pub product_name: String,
        pub price: Decimal,
        pub currency: String,
        /// False once the product is archived: it can no longer be bought.
        pub purchasable: bool,
        /// Shipping weight, when the shop gave one.
        #[serde(default)]
        pub weight_grams: Option<i32>,
        /// The product's category and every category above it (promotions and coupons
        /// scoped to a category reach its descendants).
        #[serde(default)]
        pub category_ids: Vec<Uuid>,
    }

    #[derive(Debug, Clone, Serialize, Deserialize)]
    pub struct VariantsResponse {
        pub variants: Vec<VariantFacts>,
    }
}

/// inventory: availability, and holds on stock for orders.
pub mod inventory {
    use super::*;

    pub const SERVICE: &str = "inventory";
    /// `AvailabilityRequest` → `AvailabilityResponse`.
    pub const AVAILABILITY: &str = "availability";
    /// `ReserveRequest` → `ReserveResponse`, or a refusal `OUT_OF_STOCK` whose subject is
    /// the variant id. Idempotent by `reservation_id`.
    pub const RESERVE: &str = "reserve";
    /// `ReleaseRequest` → `ReleaseResponse`. Idempotent; releasing an unknown id is a no-op.
    pub const RELEASE: &str = "release";

    #[derive(Debug, Clone, Serialize, Deserialize)]
    #[serde(rename_all = "camelCase")]
    pub struct AvailabilityRequest {
        pub variant_ids: Vec<Uuid>,
    }

    #[derive(Debug, Clone, Serialize, Deserialize)]
    #[serde(rename_all = "camelCase")]
    pub struct Availability {
        pub variant_id: Uuid,
        /// On hand minus active reservations, never negative; 0 for unknown variants.
        pub available: i64,
    }

    #[derive(Debug, Clone, Serialize, Deserialize)]
    pub struct AvailabilityResponse {
        pub levels: Vec<Availability>,
    }

    #[derive(Debug, Clone, Serialize, Deserialize)]
    #[serde(rename_all = "camelCase")]
    pub struct Line {
        pub variant_id: Uuid,
        pub quantity: i64,
    }

    #[derive(Debug, Clone, Serialize, Deserialize)]
    #[serde(rename_all = "camelCase")]
    pub struct ReserveRequest {
        /// The order the stock is held for.
        pub reservation_id: Uuid,
        pub lines: Vec<Line>,
        /// When an unclaimed hold lapses by itself (the order is normally cancelled first).
        pub expires_at: DateTime<Utc>,
    }

    #[derive(Debug, Clone, Serialize, Deserialize)]
    pub struct ReserveResponse {
        pub reserved: bool,
    }

    #[derive(Debug, Clone, Serialize, Deserialize)]
    #[serde(rename_all = "camelCase")]
    pub struct ReleaseRequest {
        pub reservation_id: Uuid,
        pub reason: String,
    }

    #[derive(Debug, Clone, Serialize, Deserialize)]
    pub struct ReleaseResponse {
        pub released: bool,
    }

    /// Refusal code of `RESERVE`.
    pub const OUT_OF_STOCK: &str = "OUT_OF_STOCK";

    /// What can be sold of a variant changed: counted, held, sold or given back (payload:
    /// `StockChanged`).
    pub const STOCK_CHANGED: &str = "inventory.stock.changed";

    #[derive(Debug, Clone, Serialize, Deserialize)]
    #[serde(rename_all = "camelCase")]
    pub struct StockChanged {
        pub variant_id: Uuid,
        /// On hand minus held, across warehouses, after the change.
        pub available: i64,
        /// When the change was made: a consumer keeps the latest, whatever order events
        /// arrive in.
        pub at: DateTime<Utc>,
    }
}

/// cart: what checkout takes from a cart, and emptying it afterwards.
pub mod cart {
    use super::*;

    pub const SERVICE: &str = "cart";
    /// `SnapshotRequest` → `CartSnapshot` (no lines when the user has no cart).
    pub const SNAPSHOT: &str = "snapshot";
    /// `ClearRequest` → `ClearResponse`. Removes the lines as they were at `version`
    /// (lines changed later stay). Idempotent.
    pub const CLEAR: &str = "clear";

    #[derive(Debug, Clone, Serialize, Deserialize)]
    #[serde(rename_all = "camelCase")]
    pub struct SnapshotRequest {
        pub user_id: Uuid,
    }

    #[derive(Debug, Clone, Serialize, Deserialize)]
    #[serde(rename_all = "camelCase")]
    pub struct CartSnapshot {
        pub cart_id: Option<Uuid>,
        /// Grows with every change to the cart; checkout records which version it consumed.
        pub version: i64,
        pub lines: Vec<inventory::Line>,
        pub coupon_code: Option<String>,
    }

    #[derive(Debug, Clone, Serialize, Deserialize)]
    #[serde(rename_all = "camelCase")]
    pub struct ClearRequest {
        pub cart_id: Uuid,
        pub version: i64,
    }

    #[derive(Debug, Clone, Serialize, Deserialize)]
    pub struct ClearResponse {
        pub cleared: bool,
    }

    /// A cart was made: a customer's first add, or a guest's (payload: `CartCreated`).
    pub const CREATED: &str = "cart.cart.created";

    #[derive(Debug, Clone, Serialize, Deserialize)]
    #[serde(rename_all = "camelCase")]
    pub struct CartCreated {
        pub cart_id: Uuid,
        /// A guest's cart (no customer yet).
        pub guest: bool,
    }
}

/// orders: what payments needs to know about an order, and the order events.
pub mod orders {
    use super::*;

    pub const SERVICE: &str = "orders";
    /// `OrderRequest` → `OrderFacts`, or a refusal `NOT_FOUND`.
    pub const ORDER: &str = "order";
    /// `ShipRequest` → `OrderFacts` (as it is now), or a refusal `INVALID_STATE` when the order
    /// is not paid or partly shipped (cancelled, refunded, unpaid). Shipping calls it before
    /// a shipment counts: it is what stops an order being cancelled once goods have left.
    /// Repeating a request with the same `shipment_id` answers as the first did.
    pub const SHIP: &str = "ship";
    /// Refusal code of `SHIP`.
    pub const INVALID_STATE: &str = "INVALID_STATE";

    #[derive(Debug, Clone, Serialize, Deserialize)]
    #[serde(rename_all = "camelCase")]
    pub struct OrderRequest {
        pub order_id: Uuid,
    }

    #[derive(Debug, Clone, Serialize, Deserialize)]
    #[serde(rename_all = "camelCase")]
    pub struct OrderFacts {
        pub id: Uuid,
        pub customer_id: Uuid,
        /// An `OrderStatus` name, e.g. `PENDING_PAYMENT`.
        pub status: String,
        pub total: Decimal,
        pub currency: String,
        /// What was bought, in the order's line order.
        #[serde(default)]
        pub lines: Vec<OrderLineFacts>,
        /// The shipping address's country (ISO 3166-1 alpha-2).
        #[serde(default)]
        pub country: String,
    }

    #[derive(Debug, Clone, Serialize, Deserialize)]
    #[serde(rename_all = "camelCase")]
    pub struct OrderLineFacts {
        pub id: Uuid,
        pub variant_id: Uuid,
        pub sku: String,
        pub quantity: i64,
    }

    #[derive(Debug, Clone, Serialize, Deserialize)]
    #[serde(rename_all = "camelCase")]
    pub struct ShipRequest {
        pub order_id: Uuid,
        pub shipment_id: Uuid,
        /// With this shipment every line of the order has been shipped (`SHIPPED`);
        /// otherwise the order is `PARTIALLY_SHIPPED`. A status never moves back.
        pub all_shipped: bool,
    }

    /// An order was created (payload: `OrderPlaced`).
    pub const PLACED: &str = "orders.order.placed";
    /// An order was paid (payload: `OrderRef`).
    pub const PAID: &str = "orders.order.paid";
    /// An order was cancelled (payload: `OrderRef`): its stock and payments are released.
    pub const CANCELLED: &str = "orders.order.cancelled";

    #[derive(Debug, Clone, Serialize, Deserialize)]
    #[serde(rename_all = "camelCase")]
    pub struct OrderPlaced {
        pub order_id: Uuid,
        pub customer_id: Uuid,
        pub cart_id: Uuid,
        pub cart_version: i64,
        pub lines: Vec<inventory::Line>,
        pub total: Decimal,
        pub currency: String,
        /// What was bought, at what price and discount (empty in events from before
        /// marketing).
        #[serde(default)]
        pub items: Vec<PlacedItem>,
        #[serde(default)]
        pub subtotal: Decimal,
        /// Everything taken off, delivery made free included.
        #[serde(default)]
        pub discount: Decimal,
        #[serde(default)]
        pub shipping_cost: Decimal,
        #[serde(default)]
        pub coupon_code: Option<String>,
    }

    /// One line of a placed order.
    #[derive(Debug, Clone, Serialize, Deserialize)]
    #[serde(rename_all = "camelCase")]
    pub struct PlacedItem {
        pub variant_id: Uuid,
        pub product_id: Uuid,
        /// The product's category and its ancestors.
        pub category_ids: Vec<Uuid>,
        pub quantity: i64,
        pub unit_price: Decimal,
        /// The line's share of the order's discounts.
        pub discount: Decimal,
    }

    #[derive(Debug, Clone, Serialize, Deserialize)]
    #[serde(rename_all = "camelCase")]
    pub struct OrderRef {
        pub order_id: Uuid,
        pub customer_id: Uuid,
    }
}

/// payments: events.
pub mod payments {
    use super::*;

    /// A payment was captured (payload: `PaymentEvent`): the order is paid.
    pub const CAPTURED: &str = "payments.payment.captured";
    /// Money went back to the customer (payload: `PaymentEvent`, `fully_refunded` says
    /// whether the order's payments are now refunded in full).
    pub const REFUNDED: &str = "payments.payment.refunded";

    #[derive(Debug, Clone, Serialize, Deserialize)]
    #[serde(rename_all = "camelCase")]
    pub struct PaymentEvent {
        pub payment_id: Uuid,
        pub order_id: Uuid,
        pub amount: Decimal,
        pub currency: String,
        #[serde(default)]
        pub fully_refunded: bool,
    }
}

/// shipping: what checkout asks of it, and the shipment events.
pub mod shipping {
    use super::*;

    pub const SERVICE: &str = "shipping";
    /// `QuoteRequest` → `Quote`, or a refusal `SHIPPING_METHOD_UNAVAILABLE` when the asked
    /// method (or, with none asked, every method) does not ship to that country.
    pub const QUOTE: &str = "quote";
    /// Refusal code of `QUOTE`.
    pub const SHIPPING_METHOD_UNAVAILABLE: &str = "SHIPPING_METHOD_UNAVAILABLE";

    #[derive(Debug, Clone, Serialize, Deserialize)]
    #[serde(rename_all = "camelCase")]
    pub struct QuoteRequest {
        /// ISO 3166-1 alpha-2 of the shipping address.
        pub country: String,
        /// What the goods cost, before shipping: decides free-above thresholds.
        pub subtotal: Decimal,
        /// The parcel's weight: the sum of the lines' known weights.
        pub weight_grams: i64,
        /// The customer's choice; the cheapest method that applies when absent.
        pub method_id: Option<Uuid>,
    }

    #[derive(Debug, Clone, Serialize, Deserialize)]
    #[serde(rename_all = "camelCase")]
    pub struct Quote {
        /// `None` when the shop has no shipping zones at all: delivery is free, with no
        /// estimate, until shipping is set up.
        pub method_id: Option<Uuid>,
        pub name: String,
        pub price: Decimal,
        pub min_delivery_days: i32,
        pub max_delivery_days: i32,
    }

    /// A shipment was made (payload: `ShipmentEvent`; `order_complete`: every line of the
    /// order has now been shipped).
    pub const CREATED: &str = "shipping.shipment.created";
    /// A shipment reached the customer (payload: `ShipmentEvent`; `order_complete`: every
    /// line of the order has now been delivered). Published once per shipment.
    pub const DELIVERED: &str = "shipping.shipment.delivered";

    #[derive(Debug, Clone, Serialize, Deserialize)]
    #[serde(rename_all = "camelCase")]
    pub struct ShipmentEvent {
        pub shipment_id: Uuid,
        pub order_id: Uuid,
        pub customer_id: Uuid,
        pub lines: Vec<ShippedLine>,
        pub order_complete: bool,
    }

    #[derive(Debug, Clone, Serialize, Deserialize)]
    #[serde(rename_all = "camelCase")]
    pub struct ShippedLine {
        pub order_line_id: Uuid,
        pub variant_id: Uuid,
        pub product_id: Uuid,
        pub sku: String,
        pub quantity: i64,
    }
}

/// reviews: rating events.
pub mod reviews {
    use super::*;

    /// A product's rating changed (payload: `RatingChanged`): a review was submitted,
    /// hidden or restored.
    pub const RATING_CHANGED: &str = "reviews.rating.changed";

    #[derive(Debug, Clone, Serialize, Deserialize)]
    #[serde(rename_all = "camelCase")]
    pub struct RatingChanged {
        pub product_id: Uuid,
        /// Average of the visible reviews; `None` when there are none.
        pub average: Option<f64>,
        pub count: i64,
        /// Grows with every change of this product's rating: a consumer keeps the highest it
        /// has seen, so events delivered out of order never bring back an older rating.
        pub version: i64,
    }
}

/// marketing: what cart and checkout ask of it (discounts, and a coupon's uses).
pub mod marketing {
    use super::*;

    pub const SERVICE: &str = "marketing";
    /// `PriceRequest` → `Discounts`: what promotions and the coupon take off these lines now.
    pub const PRICE: &str = "price";
    /// `HoldRequest` → `Held`, or a refusal with one of the coupon codes below: one use of
    /// the coupon is held for the order until it is paid (then used) or cancelled (then
    /// free again). Idempotent by `order_id`.
    pub const HOLD: &str = "hold";
    /// `ReleaseRequest` → `Released`: gives a held use back (a checkout that failed after
    /// holding). Idempotent; an order without a held use is a no-op.
    pub const RELEASE: &str = "release";

    /// Coupon refusal and issue codes, as the cart and checkout contracts name them.
    pub const INVALID_COUPON: &str = "INVALID_COUPON";
    pub const COUPON_EXPIRED: &str = "COUPON_EXPIRED";
    pub const COUPON_MINIMUM_NOT_MET: &str = "COUPON_MINIMUM_NOT_MET";
    pub const COUPON_USAGE_LIMIT: &str = "COUPON_USAGE_LIMIT";
    /// The coupon is valid but none of the cart's products is in its scope.
    pub const COUPON_NOT_APPLICABLE: &str = "COUPON_NOT_APPLICABLE";

    /// The contract's code for a coupon code marketing answered with: one of the codes above,
    /// `INVALID_COUPON` for anything else (a newer marketing's code never reaches a client
    /// unnamed in the contract).
    pub fn coupon_code(answered: &str) -> &'static str {
        [
            COUPON_EXPIRED,
            COUPON_MINIMUM_NOT_MET,
            COUPON_USAGE_LIMIT,
            COUPON_NOT_APPLICABLE,
        ]
        .into_iter()
        .find(|known| *known == answered)
        .unwrap_or(INVALID_COUPON)
    }

    /// One line of a cart or order, with what catalog says of its variant.
    #[derive(Debug, Clone, Serialize, Deserialize)]
    #[serde(rename_all = "camelCase")]
    pub struct Item {
        pub variant_id: Uuid,
        pub product_id: Uuid,
        /// The product's category and its ancestors.
        pub category_ids: Vec<Uuid>,
        pub unit_price: Decimal,
        pub quantity: i64,
    }

    #[derive(Debug, Clone, Serialize, Deserialize)]
    #[serde(rename_all = "camelCase")]
    pub struct PriceRequest {
        /// The shopper, when signed in: decides the per-customer limit.
        pub customer_id: Option<Uuid>,
        pub items: Vec<Item>,
        pub coupon_code: Option<String>,
    }

    /// Why an applied coupon gives nothing now.
    #[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
    #[serde(rename_all = "camelCase")]
    pub struct CouponIssue {
        pub code: String,
        pub message: String,
    }

    /// One line's discount, in the request's line order.
    #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
    #[serde(rename_all = "camelCase")]
    pub struct LineDiscount {
        pub variant_id: Uuid,
        pub amount: Decimal,
        /// e.g. `coupon:SPRING10`, `promotion:Summer sale`.
        pub sources: Vec<String>,
    }

    /// One source's part of the whole discount: `source` is `coupon` or `promotion:<name>`.
    #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
    #[serde(rename_all = "camelCase")]
    pub struct DiscountPart {
        pub source: String,
        pub code: Option<String>,
        pub amount: Decimal,
    }

    /// What makes delivery free: `source` is `coupon` or `promotion:<name>`.
    #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
    #[serde(rename_all = "camelCase")]
    pub struct FreeShipping {
        pub source: String,
        pub code: Option<String>,
    }

    #[derive(Debug, Clone, Serialize, Deserialize)]
    #[serde(rename_all = "camelCase")]
    pub struct Discounts {
        pub lines: Vec<LineDiscount>,
        pub parts: Vec<DiscountPart>,
        /// The total taken off the goods (the sum of `lines`).
        pub total: Decimal,
        /// Delivery is free: the `FREE_SHIPPING` coupon or promotion that makes it so.
        pub free_shipping: Option<FreeShipping>,
        /// The coupon as the shop knows it (canonical case); `None` when none was asked.
        pub coupon_code: Option<String>,
        /// Set when a coupon was asked and gives nothing.
        pub coupon_issue: Option<CouponIssue>,
    }

    #[derive(Debug, Clone, Serialize, Deserialize)]
    #[serde(rename_all = "camelCase")]
    pub struct HoldRequest {
        pub order_id: Uuid,
        pub customer_id: Uuid,
        pub coupon_code: String,
    }

    #[derive(Debug, Clone, Serialize, Deserialize)]
    pub struct Held {
        pub held: bool,
    }

    #[derive(Debug, Clone, Serialize, Deserialize)]
    #[serde(rename_all = "camelCase")]
    pub struct ReleaseRequest {
        pub order_id: Uuid,
    }

    #[derive(Debug, Clone, Serialize, Deserialize)]
    pub struct Released {
        pub released: bool,
    }
}
