//! The scans a sandbox parcel gets, and the unreliable order a carrier reports them in.
//! Pure: given the random draws, the same journey and the same deliveries.

use rand::Rng;

use crate::rules::ShipmentStatus;

/// One scan: what happened, where, and how many scan intervals after the label.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scan {
    pub status: ShipmentStatus,
    pub description: String,
    pub location: Option<String>,
    pub step: u32,
}

/// How unreliable the carrier's reporting is.
#[derive(Debug, Clone, Copy)]
pub struct Quirks {
    /// Share of parcels held up by an exception (then recovered).
    pub exception_rate: f64,
    /// Share of scans reported twice.
    pub duplicate_rate: f64,
    /// Share of parcels with a scan reported after the next one.
    pub swap_rate: f64,
    /// Share of parcels with one scan reported three intervals late.
    pub late_rate: f64,
}

impl Default for Quirks {
    fn default() -> Self {
        Self {
            exception_rate: 0.2,
            duplicate_rate: 0.25,
            swap_rate: 0.2,
            late_rate: 0.1,
        }
    }
}

/// A parcel's scans from label to door.
pub fn scans(country: &str, exception: bool) -> Vec<Scan> {
    let depot = format!("Delivery depot, {country}");
    let mut plan: Vec<(ShipmentStatus, &str, Option<String>)> = vec![
        (
            ShipmentStatus::LabelCreated,
            "Label created; awaiting pickup",
            None,
        ),
        (
            ShipmentStatus::InTransit,
            "Picked up by the carrier",
            Some("Origin depot".into()),
        ),
        (
            ShipmentStatus::InTransit,
            "Arrived at the sorting centre",
            Some("Sorting centre".into()),
        ),
    ];
    if exception {
        plan.push((
            ShipmentStatus::Exception,
            "Held: the carrier is confirming the delivery address",
            Some("Sorting centre".into()),
        ));
        plan.push((
            ShipmentStatus::InTransit,
            "Address confirmed; on its way again",
            Some("Sorting centre".into()),
        ));
    }
    plan.extend([
        (
            ShipmentStatus::InTransit,
            "Arrived at the delivery depot",
            Some(depot.clone()),
        ),
        (
            ShipmentStatus::OutForDelivery,
            "Out for delivery",
            Some(depot),
        ),
        (
            ShipmentStatus::Delivered,
            "Delivered to the recipient",
            Some(country.to_owned()),
        ),
    ]);
    plan.into_iter()
        .enumerate()
        .map(|(step, (status, description, location))| Scan {
            status,
            description: description.to_owned(),
            location,
            step: step as u32,
        })
        .collect()
}

/// When each scan is reported, in intervals after the label: normally as it happens, but
/// with the quirks drawn from `rng`. Sorted by time; a scan may appear twice.
pub fn reports(scans: &[Scan], quirks: Quirks, rng: &mut impl Rng) -> Vec<(usize, f64)> {
    let mut at: Vec<(usize, f64)> = scans
        .iter()
        .enumerate()
        .map(|(i, scan)| (i, f64::from(scan.step)))
        .collect();
    if scans.len() > 2 && rng.random_bool(quirks.swap_rate) {
        // A scan held up until just after the next one: never reported before it happened.
        let i = rng.random_range(1..scans.len() - 1);
        at[i].1 = at[i + 1].1 + 0.25;
    }
    if !at.is_empty() && rng.random_bool(quirks.late_rate) {
        let i = rng.random_range(0..at.len());
        at[i].1 += 3.0;
    }
    let repeats: Vec<(usize, f64)> = at
        .iter()
        .filter(|_| rng.random_bool(quirks.duplicate_rate))
        .map(|(i, when)| (*i, when + 0.5))
        .collect();
    at.extend(repeats);
    at.sort_by(|a, b| a.1.total_cmp(&b.1));
    at
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand::rngs::StdRng;

    #[test]
    fn a_journey_runs_from_label_to_door_with_steps_in_order() {
        for exception in [false, true] {
            let scans = scans("DE", exception);
            assert_eq!(scans.first().unwrap().status, ShipmentStatus::LabelCreated);
            assert_eq!(scans.last().unwrap().status, ShipmentStatus::Delivered);
            assert!(scans.windows(2).all(|w| w[0].step < w[1].step));
            assert_eq!(
                scans.iter().any(|s| s.status == ShipmentStatus::Exception),
                exception
            );
            assert!(scans.len() >= 6);
        }
    }

    #[test]
    fn every_scan_is_reported_at_least_once_whatever_the_quirks() {
        let scans = scans("US", true);
        let always = Quirks {
            exception_rate: 1.0,
            duplicate_rate: 1.0,
            swap_rate: 1.0,
            late_rate: 1.0,
        };
        for seed in 0..50 {
            let reports = reports(&scans, always, &mut StdRng::seed_from_u64(seed));
            for i in 0..scans.len() {
                assert!(reports.iter().filter(|(j, _)| *j == i).count() == 2);
            }
            let order: Vec<usize> = reports.iter().map(|(i, _)| *i).collect();
            assert!(
                order.windows(2).any(|w| w[0] > w[1]),
                "out of order: {order:?}"
            );
        }
        let calm = Quirks {
            exception_rate: 0.0,
            duplicate_rate: 0.0,
            swap_rate: 0.0,
            late_rate: 0.0,
        };
        let order: Vec<usize> = reports(&scans, calm, &mut StdRng::seed_from_u64(1))
            .into_iter()
            .map(|(i, _)| i)
            .collect();
        assert_eq!(order, (0..scans.len()).collect::<Vec<_>>());
    }
}
