//! Tracking: what a carrier's scan does to a shipment's status. Carriers send scans twice,
//! late and out of order; the timeline keeps every distinct scan, sorted by when it
//! happened, and the status follows only the newest scan that does not move the parcel back.

use async_graphql::Enum;
use chrono::{DateTime, Utc};

#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub enum ShipmentStatus {
    LabelCreated,
    InTransit,
    OutForDelivery,
    Delivered,
    Exception,
    Returned,
}

pub const ALL: [ShipmentStatus; 6] = [
    ShipmentStatus::LabelCreated,
    ShipmentStatus::InTransit,
    ShipmentStatus::OutForDelivery,
    ShipmentStatus::Delivered,
    ShipmentStatus::Exception,
    ShipmentStatus::Returned,
];

impl ShipmentStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            ShipmentStatus::LabelCreated => "LABEL_CREATED",
            ShipmentStatus::InTransit => "IN_TRANSIT",
            ShipmentStatus::OutForDelivery => "OUT_FOR_DELIVERY",
            ShipmentStatus::Delivered => "DELIVERED",
            ShipmentStatus::Exception => "EXCEPTION",
            ShipmentStatus::Returned => "RETURNED",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        ALL.into_iter().find(|status| status.as_str() == s)
    }

    /// How far along the way a scan puts the parcel. An exception is a pause, not a step:
    /// it has no progress of its own.
    pub fn progress(self) -> Option<i32> {
        match self {
            ShipmentStatus::LabelCreated => Some(0),
            ShipmentStatus::InTransit => Some(1),
            ShipmentStatus::OutForDelivery => Some(2),
            ShipmentStatus::Delivered | ShipmentStatus::Returned => Some(3),
            ShipmentStatus::Exception => None,
        }
    }

    /// Nothing follows a delivered or returned parcel.
    pub fn is_final(self) -> bool {
        matches!(self, ShipmentStatus::Delivered | ShipmentStatus::Returned)
    }
}

/// Where a shipment stands: its status, when the scan that set it happened, and the
/// furthest it has got.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Standing {
    pub status: ShipmentStatus,
    pub at: DateTime<Utc>,
    pub progress: i32,
}

/// The standing after a scan of `status` that happened `at`; `None` when the scan only joins
/// the timeline (older than the current status, a step back, or after the end).
pub fn after_scan(now: Standing, status: ShipmentStatus, at: DateTime<Utc>) -> Option<Standing> {
    if now.status.is_final() || at < now.at {
        return None;
    }
    match status.progress() {
        None => Some(Standing {
            status,
            at,
            progress: now.progress,
        }),
        Some(progress) if progress >= now.progress => Some(Standing {
            status,
            at,
            progress,
        }),
        Some(_) => None,
    }
}

#[cfg(test)]
mod tests {
    use super::ShipmentStatus::*;
    use super::*;
    use proptest::prelude::*;

    fn at(minute: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_800_000_000 + minute * 60, 0).unwrap()
    }

    fn start() -> Standing {
        Standing {
            status: LabelCreated,
            at: at(0),
            progress: 0,
        }
    }

    /// Applies scans in the order they arrive.
    fn replay(scans: &[(ShipmentStatus, i64)]) -> Standing {
        scans.iter().fold(start(), |now, (status, minute)| {
            after_scan(now, *status, at(*minute)).unwrap_or(now)
        })
    }

    #[test]
    fn names_round_trip() {
        for status in ALL {
            assert_eq!(ShipmentStatus::parse(status.as_str()), Some(status));
        }
        assert_eq!(ShipmentStatus::parse("LOST"), None);
    }

    #[test]
    fn a_late_scan_joins_the_timeline_without_moving_the_status_back() {
        let now = replay(&[(InTransit, 1), (Delivered, 5), (OutForDelivery, 4)]);
        assert_eq!(now.status, Delivered);
        let now = replay(&[(InTransit, 1), (OutForDelivery, 4), (InTransit, 2)]);
        assert_eq!(now.status, OutForDelivery);
    }

    #[test]
    fn an_exception_pauses_and_the_next_scan_recovers() {
        let now = replay(&[(InTransit, 1), (Exception, 2)]);
        assert_eq!((now.status, now.progress), (Exception, 1));
        let now = replay(&[(InTransit, 1), (Exception, 2), (InTransit, 3)]);
        assert_eq!(now.status, InTransit);
        // An exception older than the current status is history only.
        let now = replay(&[(InTransit, 1), (OutForDelivery, 4), (Exception, 2)]);
        assert_eq!(now.status, OutForDelivery);
    }

    #[test]
    fn nothing_follows_delivery() {
        let now = replay(&[(Delivered, 3), (Exception, 9), (InTransit, 10)]);
        assert_eq!(now.status, Delivered);
    }

    proptest! {
        /// Whatever order a journey's scans arrive in, the status ends where the newest scan
        /// says, and progress never decreases on the way.
        #[test]
        fn arrival_order_does_not_change_the_outcome(order in Just((0..6usize).collect::<Vec<_>>()).prop_shuffle()) {
            let journey = [(LabelCreated, 0), (InTransit, 1), (InTransit, 2), (OutForDelivery, 3), (Exception, 4), (Delivered, 5)];
            let mut now = start();
            for i in order {
                let (status, minute) = journey[i];
                if let Some(next) = after_scan(now, status, at(minute)) {
                    prop_assert!(next.progress >= now.progress);
                    now = next;
                }
            }
            prop_assert_eq!(now.status, Delivered);
        }
    }
}
