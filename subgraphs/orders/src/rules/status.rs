//! The order state machine: which status may follow which. Every change goes through
//! `OrderStatus::can_become`, so an illegal transition is refused in one place.

use async_graphql::Enum;

#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum OrderStatus {
    PendingPayment,
    Paid,
    PartiallyShipped,
    Shipped,
    Delivered,
    Cancelled,
    Refunded,
}

impl OrderStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            OrderStatus::PendingPayment => "PENDING_PAYMENT",
            OrderStatus::Paid => "PAID",
            OrderStatus::PartiallyShipped => "PARTIALLY_SHIPPED",
            OrderStatus::Shipped => "SHIPPED",
            OrderStatus::Delivered => "DELIVERED",
            OrderStatus::Cancelled => "CANCELLED",
            OrderStatus::Refunded => "REFUNDED",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "PENDING_PAYMENT" => OrderStatus::PendingPayment,
            "PAID" => OrderStatus::Paid,
            "PARTIALLY_SHIPPED" => OrderStatus::PartiallyShipped,
            "SHIPPED" => OrderStatus::Shipped,
            "DELIVERED" => OrderStatus::Delivered,
            "CANCELLED" => OrderStatus::Cancelled,
            "REFUNDED" => OrderStatus::Refunded,
            _ => return None,
        })
    }

    /// The legal transitions. Cancelling is possible until the first shipment leaves;
    /// refunding once money was taken; shipping goes part by part, then delivery; cancelled
    /// and refunded orders are final.
    pub fn can_become(self, next: OrderStatus) -> bool {
        use OrderStatus::*;
        matches!(
            (self, next),
            (PendingPayment, Paid)
                | (PendingPayment, Cancelled)
                | (Paid, PartiallyShipped)
                | (Paid, Shipped)
                | (Paid, Cancelled)
                | (Paid, Refunded)
                | (PartiallyShipped, Shipped)
                | (PartiallyShipped, Refunded)
                | (Shipped, Delivered)
                | (Shipped, Refunded)
                | (Delivered, Refunded)
        )
    }

    /// Every status that may become `next`.
    pub fn sources_of(next: OrderStatus) -> Vec<OrderStatus> {
        ALL.into_iter().filter(|s| s.can_become(next)).collect()
    }
}

pub const ALL: [OrderStatus; 7] = [
    OrderStatus::PendingPayment,
    OrderStatus::Paid,
    OrderStatus::PartiallyShipped,
    OrderStatus::Shipped,
    OrderStatus::Delivered,
    OrderStatus::Cancelled,
    OrderStatus::Refunded,
];

#[cfg(test)]
mod tests {
    use super::OrderStatus::*;
    use super::*;

    #[test]
    fn names_round_trip() {
        for status in ALL {
            assert_eq!(OrderStatus::parse(status.as_str()), Some(status));
        }
        assert_eq!(OrderStatus::parse("LOST"), None);
    }

    #[test]
    fn the_happy_path_is_legal_and_final_states_are_final() {
        assert!(PendingPayment.can_become(Paid));
        assert!(Paid.can_become(Shipped));
        assert!(Paid.can_become(PartiallyShipped));
        assert!(PartiallyShipped.can_become(Shipped));
        assert!(Shipped.can_become(Delivered));
        assert!(Delivered.can_become(Refunded));
        for next in ALL {
            assert!(!Cancelled.can_become(next));
            assert!(!Refunded.can_become(next));
        }
    }

    #[test]
    fn illegal_jumps_are_refused() {
        assert!(!PendingPayment.can_become(Shipped));
        assert!(!PendingPayment.can_become(Refunded));
        assert!(!Shipped.can_become(Cancelled));
        assert!(!PartiallyShipped.can_become(Cancelled));
        assert!(!Shipped.can_become(PartiallyShipped));
        assert!(!PartiallyShipped.can_become(Delivered));
        assert!(!Delivered.can_become(Paid));
        assert!(!Paid.can_become(PendingPayment));
        assert_eq!(
            OrderStatus::sources_of(Cancelled),
            vec![PendingPayment, Paid]
        );
    }
}
