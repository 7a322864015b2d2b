//! Payment statuses as the API names them.

use async_graphql::Enum;

#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum PaymentStatus {
    Pending,
    Authorized,
    Captured,
    Failed,
    Cancelled,
    Refunded,
    PartiallyRefunded,
}

impl PaymentStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            PaymentStatus::Pending => "PENDING",
            PaymentStatus::Authorized => "AUTHORIZED",
            PaymentStatus::Captured => "CAPTURED",
            PaymentStatus::Failed => "FAILED",
            PaymentStatus::Cancelled => "CANCELLED",
            PaymentStatus::Refunded => "REFUNDED",
            PaymentStatus::PartiallyRefunded => "PARTIALLY_REFUNDED",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "PENDING" => PaymentStatus::Pending,
            "AUTHORIZED" => PaymentStatus::Authorized,
            "CAPTURED" => PaymentStatus::Captured,
            "FAILED" => PaymentStatus::Failed,
            "CANCELLED" => PaymentStatus::Cancelled,
            "REFUNDED" => PaymentStatus::Refunded,
            "PARTIALLY_REFUNDED" => PaymentStatus::PartiallyRefunded,
            _ => return None,
        })
    }

    /// Whether money was taken (whether or not some or all of it went back since).
    pub fn was_captured(self) -> bool {
        self.holds_money() || self == PaymentStatus::Refunded
    }

    /// Whether money was taken and not all of it went back.
    pub fn holds_money(self) -> bool {
        matches!(
            self,
            PaymentStatus::Captured | PaymentStatus::PartiallyRefunded
        )
    }
}
