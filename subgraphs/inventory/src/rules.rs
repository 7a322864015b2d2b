//! Inventory rules as pure functions and tables: what a valid quantity is, what a hold may
//! become, and which shelves goods leave from.

use std::collections::BTreeMap;

use micromall_kit::contracts::inventory::Line;
use uuid::Uuid;

use crate::refusal::Refusal;

/// Most goods one variant may be counted at in one warehouse.
pub const MAX_ON_HAND: i64 = 1_000_000;
/// Most units of one variant one order may hold.
pub const MAX_LINE_QUANTITY: i64 = 10_000;
/// Most lines (or ids) one internal call may carry.
pub const MAX_LINES: usize = 500;
/// Longest release reason kept.
pub const MAX_REASON_CHARS: usize = 200;

/// Why the sweeper released a hold; a payment that arrives afterwards still takes the goods.
pub const EXPIRED: &str = "expired";
pub const ORDER_CANCELLED: &str = "order cancelled";

/// What customers can still buy: never negative, even when sold over.
pub fn available(on_hand: i64, reserved: i64) -> i64 {
    on_hand.saturating_sub(reserved).max(0)
}

/// A count for `setStock`.
pub fn check_on_hand(quantity: i32) -> Result<i64, Refusal> {
    let quantity = i64::from(quantity);
    if (0..=MAX_ON_HAND).contains(&quantity) {
        Ok(quantity)
    } else {
        Err(Refusal::CountOutOfRange)
    }
}

/// The lines of a hold, checked, merged per variant and sorted by variant id: every writer
/// locks stock rows in that order, so two orders never wait on each other in a cycle.
pub fn hold_lines(lines: &[Line]) -> Result<Vec<(Uuid, i64)>, Refusal> {
    if lines.is_empty() || lines.len() > MAX_LINES {
        return Err(Refusal::HoldSize);
    }
    let mut merged: BTreeMap<Uuid, i64> = BTreeMap::new();
    for line in lines {
        if !(1..=MAX_LINE_QUANTITY).contains(&line.quantity) {
            return Err(Refusal::LineQuantity(line.variant_id));
        }
        let total = merged.entry(line.variant_id).or_default();
        *total += line.quantity;
        if *total > MAX_LINE_QUANTITY {
            return Err(Refusal::VariantQuantity(line.variant_id));
        }
    }
    Ok(merged.into_iter().collect())
}

/// A release reason fit for storage.
pub fn clean_reason(reason: &str) -> String {
    let reason: String = reason
        .trim()
        .chars()
        .filter(|c| !c.is_control())
        .take(MAX_REASON_CHARS)
        .collect();
    if reason.is_empty() {
        "released".to_owned()
    } else {
        reason
    }
}

/// Where a hold stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HoldStatus {
    /// Goods are set aside for an unpaid order.
    Held,
    /// The order was paid: the goods left the shelves.
    Committed,
    /// Given back (cancelled, expired); final unless a late payment takes the goods anyway.
    Released,
}

impl HoldStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            HoldStatus::Held => "HELD",
            HoldStatus::Committed => "COMMITTED",
            HoldStatus::Released => "RELEASED",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "HELD" => Some(HoldStatus::Held),
            "COMMITTED" => Some(HoldStatus::Committed),
            "RELEASED" => Some(HoldStatus::Released),
            _ => None,
        }
    }
}

/// The kinds of ledger lines.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MovementKind {
    /// A stock count set on-hand.
    Adjusted,
    /// An order set goods aside.
    Reserved,
    /// A hold was given back.
    Released,
    /// A paid order took its goods off the shelves.
    Committed,
    /// A paid order was cancelled: its goods went back on the shelves.
    Returned,
}

impl MovementKind {
    pub fn as_str(self) -> &'static str {
        match self {
            MovementKind::Adjusted => "ADJUSTED",
            MovementKind::Reserved => "RESERVED",
            MovementKind::Released => "RELEASED",
            MovementKind::Committed => "COMMITTED",
            MovementKind::Returned => "RETURNED",
        }
    }
}

/// What asking for a hold again does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OnReserveAgain {
    AlreadyHeld,
    Refuse,
}

/// What releasing a hold does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OnRelease {
    /// Held goods become available again.
    FreeHold,
    /// Goods already taken go back on the shelves of the default warehouse.
    ReturnToShelves,
    Nothing,
}

/// What a payment does to a hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OnPayment {
    /// Take the held goods off the shelves.
    TakeHeld,
    /// The hold lapsed before the money came: take the goods anyway, the customer paid.
    TakeAfterExpiry,
    Nothing,
}

/// The transition table of a hold.
impl HoldStatus {
    pub fn on_reserve_again(self) -> OnReserveAgain {
        match self {
            HoldStatus::Held | HoldStatus::Committed => OnReserveAgain::AlreadyHeld,
            HoldStatus::Released => OnReserveAgain::Refuse,
        }
    }

    pub fn on_release(self) -> (OnRelease, HoldStatus) {
        match self {
            HoldStatus::Held => (OnRelease::FreeHold, HoldStatus::Released),
            HoldStatus::Committed => (OnRelease::ReturnToShelves, HoldStatus::Released),
            HoldStatus::Released => (OnRelease::Nothing, HoldStatus::Released),
        }
    }

    pub fn on_payment(self, reason: Option<&str>) -> (OnPayment, HoldStatus) {
        match self {
            HoldStatus::Held => (OnPayment::TakeHeld, HoldStatus::Committed),
            HoldStatus::Released if reason == Some(EXPIRED) => {
                (OnPayment::TakeAfterExpiry, HoldStatus::Committed)
            }
            other => (OnPayment::Nothing, other),
        }
    }
}

/// How `quantity` leaves the shelves: the default warehouse first, then the others in the
/// order given, each giving at most what it has; whatever is still missing (goods sold over)
/// is taken from the default warehouse, which then counts below zero.
pub fn take_from_shelves(
    quantity: i64,
    default: Uuid,
    shelves: &[(Uuid, i64)],
) -> Vec<(Uuid, i64)> {
    let on_shelf = |warehouse: Uuid| {
        shelves
            .iter()
            .find(|(w, _)| *w == warehouse)
            .map_or(0, |(_, n)| (*n).max(0))
    };
    let mut order = vec![default];
    order.extend(shelves.iter().map(|(w, _)| *w).filter(|w| *w != default));
    let mut left = quantity;
    let mut taken: Vec<(Uuid, i64)> = Vec::new();
    for warehouse in order {
        if left == 0 {
            break;
        }
        let take = left.min(on_shelf(warehouse));
        if take > 0 {
            taken.push((warehouse, take));
            left -= take;
        }
    }
    if left > 0 {
        match taken.iter_mut().find(|(w, _)| *w == default) {
            Some((_, n)) => *n += left,
            None => taken.insert(0, (default, left)),
        }
    }
    taken
}

#[cfg(test)]
mod tests {
    use micromall_kit::DomainRefusal;

    use super::*;

    fn id(n: u128) -> Uuid {
        Uuid::from_u128(n)
    }

    fn line(n: u128, quantity: i64) -> Line {
        Line {
            variant_id: id(n),
            quantity,
        }
    }

    #[test]
    fn availability_never_goes_negative() {
        assert_eq!(available(5, 2), 3);
        assert_eq!(available(2, 5), 0);
        assert_eq!(available(-3, 0), 0);
    }

    #[test]
    fn stock_counts_are_bounded() {
        assert_eq!(check_on_hand(0).unwrap(), 0);
        assert_eq!(check_on_hand(1_000_000).unwrap(), 1_000_000);
        let err = check_on_hand(-1).unwrap_err();
        assert_eq!(err.code(), "INVALID_QUANTITY");
        assert_eq!(err.field(), Some(vec!["quantity".to_owned()]));
        assert!(check_on_hand(1_000_001).is_err());
    }

    #[test]
    fn hold_lines_are_merged_sorted_and_bounded() {
        assert_eq!(
            hold_lines(&[line(2, 1), line(1, 3), line(2, 4)]).unwrap(),
            [(id(1), 3), (id(2), 5)]
        );
        for bad in [
            vec![],
            vec![line(1, 0)],
            vec![line(1, -2)],
            vec![line(1, 10_001)],
            vec![line(1, 6_000), line(1, 6_000)],
        ] {
            assert_eq!(hold_lines(&bad).unwrap_err().code(), "INVALID_QUANTITY");
        }
        let many: Vec<Line> = (0..501).map(|n| line(n, 1)).collect();
        assert!(hold_lines(&many).is_err());
    }

    #[test]
    fn holds_move_through_their_table() {
        assert_eq!(
            HoldStatus::Held.on_release(),
            (OnRelease::FreeHold, HoldStatus::Released)
        );
        assert_eq!(
            HoldStatus::Committed.on_release().0,
            OnRelease::ReturnToShelves
        );
        assert_eq!(HoldStatus::Released.on_release().0, OnRelease::Nothing);
        assert_eq!(HoldStatus::Held.on_payment(None).0, OnPayment::TakeHeld);
        assert_eq!(
            HoldStatus::Released.on_payment(Some(EXPIRED)).0,
            OnPayment::TakeAfterExpiry
        );
        assert_eq!(
            HoldStatus::Released.on_payment(Some(ORDER_CANCELLED)).0,
            OnPayment::Nothing
        );
        assert_eq!(HoldStatus::Committed.on_payment(None).0, OnPayment::Nothing);
        assert_eq!(
            HoldStatus::Released.on_reserve_again(),
            OnReserveAgain::Refuse
        );
        for s in [
            HoldStatus::Held,
            HoldStatus::Committed,
            HoldStatus::Released,
        ] {
            assert_eq!(HoldStatus::parse(s.as_str()), Some(s));
        }
    }

    #[test]
    fn goods_leave_the_default_warehouse_first() {
        let (main, north, south) = (id(1), id(2), id(3));
        let shelves = [(north, 4), (main, 2), (south, 10)];
        assert_eq!(take_from_shelves(1, main, &shelves), [(main, 1)]);
        assert_eq!(
            take_from_shelves(5, main, &shelves),
            [(main, 2), (north, 3)]
        );
        assert_eq!(
            take_from_shelves(20, main, &shelves),
            [(main, 6), (north, 4), (south, 10)],
            "what is missing is taken from the default warehouse"
        );
        assert_eq!(take_from_shelves(3, main, &[]), [(main, 3)]);
        assert_eq!(
            take_from_shelves(3, main, &[(north, 1), (main, -2)]),
            [(main, 2), (north, 1)]
        );
    }
}
