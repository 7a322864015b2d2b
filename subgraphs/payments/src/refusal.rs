//! Everything payments refuses (`payOrder`, `refundPayment`), and the one place each refusal
//! gets its contract code, message and input path.

use micromall_kit::DomainRefusal;
use micromall_kit::outcome::path;
use rust_decimal::Decimal;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// No provider of this name (as the client sent it).
    UnknownProvider(String),
    /// The order does not exist, or is someone else's (which looks the same).
    OrderNotFound,
    PaymentNotFound,
    /// The order is not awaiting payment (its status).
    OrderNotPayable(String),
    /// The order is paid, or its active payment is still waiting for the provider.
    PaymentInProgress,
    /// The payment holds no money to give back (its status).
    NotRefundable(String),
    /// Only `left` is still held.
    ExceedsCaptured {
        left: Decimal,
        currency: String,
    },
    /// The provider said no to the refund, with its reason when it gave one now.
    ProviderRefused(Option<String>),
    /// The idempotency key was used for a different request (of this kind: "payment").
    IdempotencyConflict(&'static str),
}

impl DomainRefusal for Refusal {
    fn code(&self) -> &'static str {
        match self {
            Refusal::UnknownProvider(_) => "UNKNOWN_PROVIDER",
            Refusal::OrderNotFound | Refusal::PaymentNotFound => "NOT_FOUND",
            Refusal::OrderNotPayable(_)
            | Refusal::PaymentInProgress
            | Refusal::NotRefundable(_)
            | Refusal::ProviderRefused(_) => "INVALID_STATE",
            Refusal::ExceedsCaptured { .. } => "AMOUNT_EXCEEDS_CAPTURED",
            Refusal::IdempotencyConflict(_) => "IDEMPOTENCY_CONFLICT",
        }
    }

    fn message(&self) -> String {
        match self {
            Refusal::UnknownProvider(name) => {
                let shown: String = name.chars().take(40).collect();
                format!("there is no payment provider `{shown}`")
            }
            Refusal::OrderNotFound | Refusal::PaymentNotFound => {
                "there is no such payment or order".to_owned()
            }
            Refusal::OrderNotPayable(status) => format!("an order that is {status} cannot be paid"),
            Refusal::PaymentInProgress => {
                "this order is paid, or a payment for it is still in progress".to_owned()
            }
            Refusal::NotRefundable(status) => {
                format!("a payment that is {status} cannot be refunded")
            }
            Refusal::ExceedsCaptured { left, currency } => format!(
                "at most {} {currency} can still be refunded",
                left.normalize()
            ),
            Refusal::ProviderRefused(None) => "the payment provider refused the refund".to_owned(),
            Refusal::ProviderRefused(Some(reason)) => {
                format!("the payment provider refused the refund: {reason}")
            }
            Refusal::IdempotencyConflict(what) => {
                format!("this idempotency key was used for a different {what}")
            }
        }
    }

    fn field(&self) -> Option<Vec<String>> {
        match self {
            Refusal::UnknownProvider(_) => path(&["input", "provider"]),
            Refusal::OrderNotFound | Refusal::OrderNotPayable(_) | Refusal::PaymentInProgress => {
                path(&["input", "orderId"])
            }
            Refusal::PaymentNotFound | Refusal::NotRefundable(_) | Refusal::ProviderRefused(_) => {
                path(&["input", "paymentId"])
            }
            Refusal::ExceedsCaptured { .. } => path(&["input", "amount"]),
            Refusal::IdempotencyConflict(_) => path(&["input", "idempotencyKey"]),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn what_is_left_is_shown_without_trailing_zeros() {
        let refusal = Refusal::ExceedsCaptured {
            left: Decimal::new(1000, 2),
            currency: "USD".into(),
        };
        assert_eq!(refusal.message(), "at most 10 USD can still be refunded");
        assert_eq!(refusal.field(), path(&["input", "amount"]));
    }

    #[test]
    fn a_long_provider_name_is_cut_in_the_message() {
        let refusal = Refusal::UnknownProvider("x".repeat(500));
        assert_eq!(
            refusal.message(),
            format!("there is no payment provider `{}`", "x".repeat(40))
        );
    }
}
