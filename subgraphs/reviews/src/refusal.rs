//! Everything reviews refuses, and the one place each refusal gets its contract code (the
//! `ReviewPayload` codes), message and input path.

use micromall_kit::DomainRefusal;
use micromall_kit::outcome::{joined_messages, path};

use crate::rules::{MAX_RATING, MIN_RATING};

/// What is wrong with a piece of text; each carries the limit it broke.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextProblem {
    /// Nothing left once trimmed (the limit is for the message).
    Empty(usize),
    TooLong(usize),
    /// A control character other than newline and tab.
    ControlCharacter,
    /// A line break, tab or other control character where one line is expected.
    NotOneLine,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// `submitReview` of a product id that is not one.
    ProductNotFound,
    /// No such review (a malformed id, or one the caller may not see).
    ReviewNotFound,
    InvalidRating,
    InvalidTitle(TextProblem),
    InvalidBody(TextProblem),
    /// `replyToReview`'s body.
    InvalidReply(TextProblem),
    /// The customer has reviewed this product already.
    AlreadyReviewed,
    /// No delivered purchase of this product by this customer.
    NotPurchased,
    /// A vote on one's own review.
    OwnReview,
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

fn text_message(what: &str, problem: TextProblem) -> String {
    match problem {
        TextProblem::Empty(max) | TextProblem::TooLong(max) => {
            format!("{what} must be 1 to {max} characters")
        }
        TextProblem::ControlCharacter => {
            format!("{what} may not contain control characters other than newlines and tabs")
        }
        TextProblem::NotOneLine => {
            format!("{what} must be a single line without control characters")
        }
    }
}

impl DomainRefusal for Refusal {
    fn code(&self) -> &'static str {
        match self {
            Refusal::ProductNotFound | Refusal::ReviewNotFound => "NOT_FOUND",
            Refusal::InvalidRating => "INVALID_RATING",
            Refusal::InvalidTitle(_) => "INVALID_TITLE",
            Refusal::InvalidBody(_) | Refusal::InvalidReply(_) => "INVALID_BODY",
            Refusal::AlreadyReviewed => "ALREADY_REVIEWED",
            Refusal::NotPurchased => "NOT_PURCHASED",
            Refusal::OwnReview => "OWN_REVIEW",
            Refusal::Several(all) => all.first().map_or("INVALID_INPUT", Refusal::code),
        }
    }

    fn message(&self) -> String {
        match self {
            Refusal::ProductNotFound => "there is no such product".to_owned(),
            Refusal::ReviewNotFound => "there is no such review".to_owned(),
            Refusal::InvalidRating => {
                format!("rating must be a whole number from {MIN_RATING} to {MAX_RATING}")
            }
            Refusal::InvalidTitle(problem) => text_message("title", *problem),
            Refusal::InvalidBody(problem) => text_message("body", *problem),
            Refusal::InvalidReply(problem) => text_message("reply", *problem),
            Refusal::AlreadyReviewed => "you have already reviewed this product".to_owned(),
            Refusal::NotPurchased => {
                "only customers who received this product can review it".to_owned()
            }
            Refusal::OwnReview => "you cannot vote on your own review".to_owned(),
            Refusal::Several(all) => joined_messages(all),
        }
    }

    fn field(&self) -> Option<Vec<String>> {
        match self {
            Refusal::ProductNotFound | Refusal::AlreadyReviewed | Refusal::NotPurchased => {
                path(&["input", "productId"])
            }
            Refusal::InvalidRating => path(&["input", "rating"]),
            Refusal::InvalidTitle(_) => path(&["input", "title"]),
            Refusal::InvalidBody(_) => path(&["input", "body"]),
            Refusal::InvalidReply(_) => path(&["body"]),
            Refusal::ReviewNotFound | Refusal::OwnReview => path(&["id"]),
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
            (
                Refusal::InvalidRating,
                "INVALID_RATING",
                path(&["input", "rating"]),
            ),
            (
                Refusal::InvalidTitle(TextProblem::TooLong(150)),
                "INVALID_TITLE",
                path(&["input", "title"]),
            ),
            (
                Refusal::InvalidReply(TextProblem::Empty(5000)),
                "INVALID_BODY",
                path(&["body"]),
            ),
            (
                Refusal::NotPurchased,
                "NOT_PURCHASED",
                path(&["input", "productId"]),
            ),
            (Refusal::OwnReview, "OWN_REVIEW", path(&["id"])),
            (Refusal::ReviewNotFound, "NOT_FOUND", path(&["id"])),
        ];
        for (refusal, code, field) in cases {
            assert_eq!(refusal.code(), code);
            assert_eq!(refusal.field(), field, "{refusal:?}");
        }
        assert_eq!(
            Refusal::InvalidTitle(TextProblem::TooLong(150)).message(),
            "title must be 1 to 150 characters"
        );
    }

    #[test]
    fn several_refusals_answer_one_user_error_each() {
        let errors = Refusal::of_all(vec![
            Refusal::InvalidRating,
            Refusal::InvalidBody(TextProblem::ControlCharacter),
        ])
        .user_errors();
        let codes: Vec<&str> = errors.iter().map(|e| e.code.as_str()).collect();
        assert_eq!(codes, ["INVALID_RATING", "INVALID_BODY"]);
        assert_eq!(errors[1].field, path(&["input", "body"]));
        assert_eq!(
            Refusal::of_all(vec![Refusal::NotPurchased]),
            Refusal::NotPurchased
        );
    }
}
