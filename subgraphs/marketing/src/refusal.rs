//! Everything marketing refuses, and the one place each refusal gets its contract code (the
//! `CouponPayload` codes, and the coupon codes cart and checkout pass on), message and input
//! path.

use micromall_kit::DomainRefusal;
use micromall_kit::outcome::{joined_messages, path};

use crate::rules::standing::Issue;

/// An input field a refusal can be about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    Code,
    Name,
    Value,
    MinSubtotal,
    UsageLimit,
    PerCustomerLimit,
    Priority,
    Prefix,
    Count,
    Title,
    ImageUrl,
    Alt,
    LinkUrl,
    Message,
    Position,
}

impl Field {
    fn name(self) -> &'static str {
        match self {
            Field::Code => "code",
            Field::Name => "name",
            Field::Value => "value",
            Field::MinSubtotal => "minSubtotal",
            Field::UsageLimit => "usageLimit",
            Field::PerCustomerLimit => "perCustomerLimit",
            Field::Priority => "priority",
            Field::Prefix => "prefix",
            Field::Count => "count",
            Field::Title => "title",
            Field::ImageUrl => "imageUrl",
            Field::Alt => "alt",
            Field::LinkUrl => "linkUrl",
            Field::Message => "message",
            Field::Position => "position",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// Another coupon has this code (in any case).
    CodeTaken,
    /// A field's value is not allowed; the text says what is.
    InvalidValue(Field, String),
    /// `endsAt` is not after `startsAt`.
    InvalidRange,
    /// No such coupon, promotion or banner (the path names the argument).
    NotFound(&'static str),
    CategoryNotFound,
    ProductNotFound,
    /// A coupon cannot be used for this order (internal `hold`).
    Coupon(Issue),
    /// Everything wrong with one input, reported together.
    Several(Vec<Refusal>),
}

impl Refusal {
    /// One refusal for all of `refusals` (at least one).
    pub fn of_all(mut refusals: Vec<Refusal>) -> Refusal {
        if refusals.len() == 1 {
            refusals.remove(0)
        } else {
            Refusal::Several(refusals)
        }
    }
}

impl DomainRefusal for Refusal {
    fn code(&self) -> &'static str {
        match self {
            Refusal::CodeTaken => "CODE_TAKEN",
            Refusal::InvalidValue(..) => "INVALID_VALUE",
            Refusal::InvalidRange => "INVALID_RANGE",
            Refusal::NotFound(_) => "NOT_FOUND",
            Refusal::CategoryNotFound => "CATEGORY_NOT_FOUND",
            Refusal::ProductNotFound => "PRODUCT_NOT_FOUND",
            Refusal::Coupon(issue) => issue.code(),
            Refusal::Several(all) => all.first().map_or("INVALID_VALUE", Refusal::code),
        }
    }

    fn message(&self) -> String {
        match self {
            Refusal::CodeTaken => "another coupon has this code".to_owned(),
            Refusal::InvalidValue(_, why) => why.clone(),
            Refusal::InvalidRange => "endsAt must be after startsAt".to_owned(),
            Refusal::NotFound(what) => format!("there is no such {what}"),
            Refusal::CategoryNotFound => "one of the categories does not exist".to_owned(),
            Refusal::ProductNotFound => "one of the products does not exist".to_owned(),
            Refusal::Coupon(issue) => issue.message(),
            Refusal::Several(all) => joined_messages(all),
        }
    }

    fn field(&self) -> Option<Vec<String>> {
        match self {
            Refusal::CodeTaken => path(&["input", "code"]),
            Refusal::InvalidValue(field, _) => path(&["input", field.name()]),
            Refusal::InvalidRange => path(&["input", "endsAt"]),
            Refusal::NotFound(argument) => path(&[argument]),
            Refusal::CategoryNotFound => path(&["input", "categoryIds"]),
            Refusal::ProductNotFound => path(&["input", "productIds"]),
            Refusal::Coupon(_) => path(&["code"]),
            Refusal::Several(_) => None,
        }
    }

    micromall_kit::several_in!(Refusal::Several);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_refusal_names_its_code_and_input() {
        let cases = [
            (Refusal::CodeTaken, "CODE_TAKEN", path(&["input", "code"])),
            (
                Refusal::InvalidValue(Field::PerCustomerLimit, "x".into()),
                "INVALID_VALUE",
                path(&["input", "perCustomerLimit"]),
            ),
            (
                Refusal::InvalidRange,
                "INVALID_RANGE",
                path(&["input", "endsAt"]),
            ),
            (Refusal::NotFound("id"), "NOT_FOUND", path(&["id"])),
            (
                Refusal::CategoryNotFound,
                "CATEGORY_NOT_FOUND",
                path(&["input", "categoryIds"]),
            ),
            (
                Refusal::Coupon(Issue::UsedUp),
                "COUPON_USAGE_LIMIT",
                path(&["code"]),
            ),
        ];
        for (refusal, code, field) in cases {
            assert_eq!(refusal.code(), code);
            assert_eq!(refusal.field(), field, "{refusal:?}");
        }
        let errors = Refusal::of_all(vec![Refusal::InvalidRange, Refusal::CodeTaken]).user_errors();
        assert_eq!(errors.len(), 2);
    }
}
