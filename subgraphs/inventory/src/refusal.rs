//! Everything inventory refuses, and the one place each refusal gets its contract code,
//! message and input path (for `setStock`) or subject (for the internal endpoints).

use micromall_kit::DomainRefusal;
use micromall_kit::contracts::inventory::OUT_OF_STOCK;
use micromall_kit::outcome::path;
use uuid::Uuid;

use crate::rules::{MAX_LINE_QUANTITY, MAX_LINES, MAX_ON_HAND};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// `setStock` outside 0..=MAX_ON_HAND.
    CountOutOfRange,
    /// `setStock` of a variant catalog does not know (or a malformed id).
    UnknownVariant,
    /// A hold of no lines, or of more than MAX_LINES.
    HoldSize,
    /// A line's quantity outside 1..=MAX_LINE_QUANTITY.
    LineQuantity(Uuid),
    /// The lines of one variant add up to more than MAX_LINE_QUANTITY.
    VariantQuantity(Uuid),
    /// Not enough of this variant is available.
    OutOfStock(Uuid),
    /// The hold asked for again was already given back.
    Released,
    /// An availability question about more than MAX_LINES variants.
    TooManyVariants,
}

impl DomainRefusal for Refusal {
    fn code(&self) -> &'static str {
        match self {
            Refusal::CountOutOfRange
            | Refusal::HoldSize
            | Refusal::LineQuantity(_)
            | Refusal::VariantQuantity(_) => "INVALID_QUANTITY",
            Refusal::UnknownVariant => "NOT_FOUND",
            Refusal::OutOfStock(_) => OUT_OF_STOCK,
            Refusal::Released => "RELEASED",
            Refusal::TooManyVariants => "TOO_MANY",
        }
    }

    fn message(&self) -> String {
        match self {
            Refusal::CountOutOfRange => format!("quantity must be between 0 and {MAX_ON_HAND}"),
            Refusal::UnknownVariant => "no such variant".to_owned(),
            Refusal::HoldSize => format!("a reservation holds 1 to {MAX_LINES} lines"),
            Refusal::LineQuantity(_) => {
                format!("quantities must be between 1 and {MAX_LINE_QUANTITY}")
            }
            Refusal::VariantQuantity(_) => {
                format!("at most {MAX_LINE_QUANTITY} units of one variant")
            }
            Refusal::OutOfStock(_) => "not enough stock for this variant".to_owned(),
            Refusal::Released => "this reservation was released".to_owned(),
            Refusal::TooManyVariants => format!("at most {MAX_LINES} variants per call"),
        }
    }

    fn field(&self) -> Option<Vec<String>> {
        match self {
            Refusal::CountOutOfRange => path(&["quantity"]),
            Refusal::UnknownVariant => path(&["variantId"]),
            _ => None,
        }
    }

    fn subject(&self) -> Option<String> {
        match self {
            Refusal::LineQuantity(variant)
            | Refusal::VariantQuantity(variant)
            | Refusal::OutOfStock(variant) => Some(variant.to_string()),
            _ => None,
        }
    }
}
