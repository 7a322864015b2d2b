//! Payments' pure rules: who sees a payment, when an order can be paid, how much of a payment
//! can still go back, and what a provider's callback changes. No I/O.

use micromall_kit::auth::Viewer;
use micromall_kit::contracts::orders::OrderFacts;
use rust_decimal::Decimal;
use uuid::Uuid;

use crate::entity::payment;
use crate::provider::{Callback, ChargeOutcome};
use crate::refusal::Refusal;
use crate::status::PaymentStatus;

/// Staff who refund.
pub const REFUND: &str = "payments:refund";
const ORDERS_MANAGE: &str = "orders:manage";
/// The longest payment method token a client may send.
pub const MAX_TOKEN_LEN: usize = 500;
/// The longest refund reason, in characters.
pub const MAX_REASON_LEN: usize = 400;
/// The longest provider event id and failure reason kept (a provider's, not ours).
const MAX_EVENT_ID_LEN: usize = 200;
const MAX_FAILURE_REASON_LEN: usize = 400;

/// The payer, staff who refund, and staff who manage orders see a payment.
pub fn may_see(viewer: &Viewer, payment: &payment::Model) -> bool {
    viewer.user_id == Some(payment.customer_id)
        || viewer.has_scope(REFUND)
        || viewer.has_scope(ORDERS_MANAGE)
}

/// Whether `customer` may pay `order` now. Someone else's order looks exactly like a
/// missing one.
pub fn payable(order: &OrderFacts, customer: Uuid) -> Result<(), Refusal> {
    if order.customer_id != customer {
        return Err(Refusal::OrderNotFound);
    }
    if order.status != "PENDING_PAYMENT" {
        return Err(Refusal::OrderNotPayable(order.status.clone()));
    }
    Ok(())
}

/// A payment whose charge request got no answer: it may or may not exist at the provider.
pub fn unanswered(payment: &payment::Model) -> bool {
    payment.status == PaymentStatus::Pending.as_str() && payment.provider_reference.is_none()
}

/// A refund's reason as kept: trimmed, and none when blank.
pub fn clean_reason(reason: Option<&str>) -> Option<String> {
    reason
        .map(str::trim)
        .filter(|r| !r.is_empty())
        .map(str::to_owned)
}

/// How much of `payment` (locked; `None` when missing) a refund of `wanted` (all that is
/// left when `None`) sets aside, and the payment's refunded amount after it.
pub fn fit_refund(
    payment: Option<&payment::Model>,
    wanted: Option<Decimal>,
) -> Result<(Decimal, Decimal), Refusal> {
    let Some(payment) = payment else {
        return Err(Refusal::NotRefundable("missing".into()));
    };
    if !PaymentStatus::parse(&payment.status).is_some_and(PaymentStatus::holds_money) {
        return Err(Refusal::NotRefundable(payment.status.clone()));
    }
    let left = payment.amount - payment.refunded_amount;
    let amount = wanted.unwrap_or(left);
    if amount > left || amount <= Decimal::ZERO {
        return Err(Refusal::ExceedsCaptured {
            left,
            currency: payment.currency.clone(),
        });
    }
    Ok((amount, payment.refunded_amount + amount))
}

/// The status of a captured payment of `amount` once `refunded` of it went back.
pub fn status_when_refunded(amount: Decimal, refunded: Decimal) -> PaymentStatus {
    if refunded >= amount {
        PaymentStatus::Refunded
    } else if refunded > Decimal::ZERO {
        PaymentStatus::PartiallyRefunded
    } else {
        PaymentStatus::Captured
    }
}

/// Whether a genuine callback is about the payment's own charge: the same provider, amount
/// and currency, and the charge reference the payment knows (if it knows one yet).
pub fn matches_charge(payment: &payment::Model, provider: &str, callback: &Callback) -> bool {
    payment.provider == provider
        && payment.amount == callback.amount
        && payment.currency == callback.currency
        && payment
            .provider_reference
            .as_deref()
            .is_none_or(|r| r == callback.charge_reference)
}

/// The payment's next status after a callback; `None` when the callback changes nothing.
/// A cancelled payment can still be captured (the processor took the money after the order
/// was cancelled): it is recorded, and refunded by the captured-event consumer.
pub fn after_callback(outcome: &ChargeOutcome, status: &str) -> Option<PaymentStatus> {
    match (outcome, PaymentStatus::parse(status)) {
        (ChargeOutcome::Captured, Some(PaymentStatus::Pending | PaymentStatus::Cancelled)) => {
            Some(PaymentStatus::Captured)
        }
        (ChargeOutcome::Failed { .. }, Some(PaymentStatus::Pending)) => Some(PaymentStatus::Failed),
        _ => None,
    }
}

/// A provider's event id as kept for deduplication.
pub fn event_id(callback: &Callback) -> String {
    callback.event_id.chars().take(MAX_EVENT_ID_LEN).collect()
}

/// Why the provider says a charge failed, as kept.
pub fn failure_reason(outcome: &ChargeOutcome) -> Option<String> {
    match outcome {
        ChargeOutcome::Failed { reason } => {
            Some(reason.chars().take(MAX_FAILURE_REASON_LEN).collect())
        }
        ChargeOutcome::Captured => None,
    }
}

#[cfg(test)]
mod tests {
    use chrono::Utc;

    use super::*;

    fn payment(status: PaymentStatus, amount: i64, refunded: i64) -> payment::Model {
        payment::Model {
            id: Uuid::now_v7(),
            order_id: Uuid::now_v7(),
            customer_id: Uuid::now_v7(),
            provider: "sandbox".into(),
            provider_reference: Some("ch_1".into()),
            status: status.as_str().into(),
            amount: Decimal::from(amount),
            refunded_amount: Decimal::from(refunded),
            currency: "USD".into(),
            failure_reason: None,
            created_at: Utc::now(),
            updated_at: Utc::now(),
        }
    }

    fn callback(of: &payment::Model, outcome: ChargeOutcome) -> Callback {
        Callback {
            event_id: "evt_1".into(),
            charge_reference: "ch_1".into(),
            payment_id: of.id,
            amount: of.amount,
            currency: of.currency.clone(),
            outcome,
        }
    }

    #[test]
    fn a_refund_fits_only_within_what_is_still_held() {
        let part = payment(PaymentStatus::PartiallyRefunded, 40, 30);
        assert_eq!(
            fit_refund(Some(&part), Some(Decimal::from(10))),
            Ok((Decimal::from(10), Decimal::from(40)))
        );
        assert_eq!(
            fit_refund(Some(&part), None),
            Ok((Decimal::from(10), Decimal::from(40))),
            "all that is left"
        );
        let exceeds = Err(Refusal::ExceedsCaptured {
            left: Decimal::from(10),
            currency: "USD".into(),
        });
        assert_eq!(fit_refund(Some(&part), Some(Decimal::from(11))), exceeds);
        assert_eq!(fit_refund(Some(&part), Some(Decimal::ZERO)), exceeds);
    }

    #[test]
    fn only_a_payment_holding_money_can_be_refunded() {
        for status in [
            PaymentStatus::Pending,
            PaymentStatus::Failed,
            PaymentStatus::Cancelled,
            PaymentStatus::Refunded,
        ] {
            assert_eq!(
                fit_refund(Some(&payment(status, 40, 0)), None),
                Err(Refusal::NotRefundable(status.as_str().into()))
            );
        }
        assert_eq!(
            fit_refund(None, None),
            Err(Refusal::NotRefundable("missing".into()))
        );
    }

    #[test]
    fn the_status_follows_what_went_back() {
        let forty = Decimal::from(40);
        assert_eq!(
            status_when_refunded(forty, Decimal::ZERO),
            PaymentStatus::Captured
        );
        assert_eq!(
            status_when_refunded(forty, Decimal::ONE),
            PaymentStatus::PartiallyRefunded
        );
        assert_eq!(status_when_refunded(forty, forty), PaymentStatus::Refunded);
    }

    #[test]
    fn a_callback_about_another_charge_does_not_match() {
        let paid = payment(PaymentStatus::Pending, 40, 0);
        let genuine = callback(&paid, ChargeOutcome::Captured);
        assert!(matches_charge(&paid, "sandbox", &genuine));
        assert!(!matches_charge(&paid, "other", &genuine));
        let cheaper = Callback {
            amount: Decimal::ONE,
            ..genuine.clone()
        };
        assert!(!matches_charge(&paid, "sandbox", &cheaper));
        let elsewhere = Callback {
            charge_reference: "ch_2".into(),
            ..genuine
        };
        assert!(!matches_charge(&paid, "sandbox", &elsewhere));
    }

    #[test]
    fn a_callback_decides_only_a_payment_still_waiting() {
        let failed = ChargeOutcome::Failed {
            reason: "declined".into(),
        };
        let captured = ChargeOutcome::Captured;
        assert_eq!(
            after_callback(&captured, "PENDING"),
            Some(PaymentStatus::Captured)
        );
        assert_eq!(
            after_callback(&captured, "CANCELLED"),
            Some(PaymentStatus::Captured)
        );
        assert_eq!(
            after_callback(&failed, "PENDING"),
            Some(PaymentStatus::Failed)
        );
        assert_eq!(after_callback(&failed, "CANCELLED"), None);
        assert_eq!(after_callback(&captured, "CAPTURED"), None);
        assert_eq!(after_callback(&captured, "FAILED"), None);
    }
}
