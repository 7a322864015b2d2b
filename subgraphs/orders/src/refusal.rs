//! Everything orders refuses, and the one place each refusal gets its contract code (the
//! `CheckoutPayload` and `OrderPayload` codes), message and input path.

use micromall_kit::DomainRefusal;
use micromall_kit::contracts::shipping::SHIPPING_METHOD_UNAVAILABLE;
use micromall_kit::outcome::{joined_messages, path};
use uuid::Uuid;

use crate::rules::{AddressField, MAX_TEXT};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// Checkout of a cart without lines (or of no cart).
    EmptyCart,
    /// Another checkout of the same cart version made its order first.
    CartJustCheckedOut,
    /// This field of the shipping address fails its check.
    BadAddress(AddressField),
    /// The idempotency key was used for a different checkout.
    IdempotencyConflict,
    /// Inventory has not enough of this variant (its id as inventory sent it); `name` is the
    /// line's name when the cart holds it.
    OutOfStock {
        variant: String,
        name: Option<String>,
    },
    /// Catalog no longer sells this variant of the cart.
    NoLongerSold(Uuid),
    /// The customer already has `cap` orders awaiting payment.
    TooManyPendingOrders { cap: u32 },
    /// No such order, or not one the caller may see.
    NotFound,
    /// The order's status (`status`) cannot become cancelled.
    NotCancellable { status: String },
    /// The order's status (`status`) does not let a shipment leave.
    NotShippable { status: String },
    /// The chosen shipping method (or, with none chosen, every method) does not deliver to
    /// the address's country.
    ShippingMethodUnavailable,
    /// The cart's coupon no longer applies (marketing's code and reason): nothing is held.
    Coupon { code: &'static str, message: String },
    /// Several of the above at once (each bad address field, each variant no longer sold).
    Several(Vec<Refusal>),
}

impl Refusal {
    /// Marketing's reason the cart's coupon cannot be used, by its code.
    pub fn coupon(code: &str, message: &str) -> Refusal {
        let code = micromall_kit::contracts::marketing::coupon_code(code);
        Refusal::Coupon {
            code,
            message: message.to_owned(),
        }
    }
}

impl DomainRefusal for Refusal {
    fn code(&self) -> &'static str {
        match self {
            Refusal::EmptyCart | Refusal::CartJustCheckedOut => "EMPTY_CART",
            Refusal::BadAddress(_) => "INVALID_ADDRESS",
            Refusal::IdempotencyConflict => "IDEMPOTENCY_CONFLICT",
            Refusal::OutOfStock { .. } | Refusal::NoLongerSold(_) => "OUT_OF_STOCK",
            Refusal::TooManyPendingOrders { .. } => "TOO_MANY_PENDING_ORDERS",
            Refusal::NotFound => "NOT_FOUND",
            Refusal::NotCancellable { .. } | Refusal::NotShippable { .. } => "INVALID_STATE",
            Refusal::ShippingMethodUnavailable => SHIPPING_METHOD_UNAVAILABLE,
            Refusal::Coupon { code, .. } => code,
            Refusal::Several(all) => all.first().map_or("INVALID_ADDRESS", Refusal::code),
        }
    }

    fn message(&self) -> String {
        match self {
            Refusal::EmptyCart => "the cart is empty".to_owned(),
            Refusal::CartJustCheckedOut => "this cart has just been checked out".to_owned(),
            Refusal::BadAddress(field) => address_message(*field),
            Refusal::IdempotencyConflict => {
                "this idempotency key was used for a different checkout".to_owned()
            }
            Refusal::OutOfStock { name, .. } => format!(
                "not enough of {} is in stock",
                name.as_deref().unwrap_or("an item")
            ),
            Refusal::NoLongerSold(_) => "an item in the cart is no longer sold".to_owned(),
            Refusal::TooManyPendingOrders { cap } => {
                format!("you already have {cap} orders awaiting payment: pay or cancel one first")
            }
            Refusal::NotFound => "there is no such order".to_owned(),
            Refusal::NotCancellable { status } => {
                format!("an order that is {status} cannot be cancelled")
            }
            Refusal::NotShippable { status } => {
                format!("an order that is {status} cannot be shipped")
            }
            Refusal::ShippingMethodUnavailable => {
                "this shipping method does not deliver to that address".to_owned()
            }
            Refusal::Coupon { message, .. } => {
                format!("{message}: remove the coupon from the cart or try again")
            }
            Refusal::Several(all) => joined_messages(all),
        }
    }

    fn field(&self) -> Option<Vec<String>> {
        match self {
            Refusal::IdempotencyConflict => path(&["input", "idempotencyKey"]),
            Refusal::OutOfStock { variant, .. } => path(&["variantId", variant]),
            Refusal::NotFound | Refusal::NotCancellable { .. } => path(&["id"]),
            Refusal::BadAddress(field) => {
                path(&["input", "shippingAddress", address_input(*field)])
            }
            Refusal::NoLongerSold(variant) => path(&["variantId", &variant.to_string()]),
            Refusal::ShippingMethodUnavailable => path(&["input", "shippingMethodId"]),
            _ => None,
        }
    }

    micromall_kit::several_in!(Refusal::Several);
}

/// The `AddressInput` field's name.
fn address_input(field: AddressField) -> &'static str {
    match field {
        AddressField::Name => "name",
        AddressField::Line1 => "line1",
        AddressField::Line2 => "line2",
        AddressField::City => "city",
        AddressField::PostalCode => "postalCode",
        AddressField::Country => "country",
        AddressField::Phone => "phone",
    }
}

/// What the field needs.
fn address_message(field: AddressField) -> String {
    let required = |what: &str| format!("{what} is required (at most {MAX_TEXT} characters)");
    match field {
        AddressField::Name => required("the recipient's name"),
        AddressField::Line1 => required("the street address"),
        AddressField::City => required("the city"),
        AddressField::PostalCode => required("the postal code"),
        AddressField::Country => {
            "the country must be a two-letter ISO 3166 code, e.g. \"DE\"".to_owned()
        }
        AddressField::Line2 => {
            format!("the second address line has at most {MAX_TEXT} characters")
        }
        AddressField::Phone => "the phone number may hold digits, spaces and + - ( ) /".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bad_address_answers_one_error_per_field_with_what_it_needs() {
        let errors = Refusal::Several(vec![
            Refusal::BadAddress(AddressField::PostalCode),
            Refusal::BadAddress(AddressField::Country),
        ])
        .user_errors();
        let shown: Vec<(String, String)> = errors
            .iter()
            .map(|e| (e.field.as_ref().unwrap().join("."), e.message.clone()))
            .collect();
        assert_eq!(
            shown,
            [
                (
                    "input.shippingAddress.postalCode".to_owned(),
                    "the postal code is required (at most 200 characters)".to_owned()
                ),
                (
                    "input.shippingAddress.country".to_owned(),
                    "the country must be a two-letter ISO 3166 code, e.g. \"DE\"".to_owned()
                ),
            ]
        );
    }

    #[test]
    fn a_shortage_names_the_variant_and_what_it_is() {
        let short = Refusal::OutOfStock {
            variant: "v-1".into(),
            name: Some("Teapot (Standard)".into()),
        };
        assert_eq!(short.field(), path(&["variantId", "v-1"]));
        assert_eq!(
            short.message(),
            "not enough of Teapot (Standard) is in stock"
        );
        let unnamed = Refusal::OutOfStock {
            variant: "v-2".into(),
            name: None,
        };
        assert_eq!(unnamed.message(), "not enough of an item is in stock");
    }
}
