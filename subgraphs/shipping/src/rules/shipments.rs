//! Which lines a shipment takes: what the admin asked for, checked against what the order
//! holds and what earlier shipments already took.

use std::collections::HashMap;

use micromall_kit::contracts::orders::OrderLineFacts;
use uuid::Uuid;

use crate::refusal::Refusal;

/// A line of a shipment: part or all of one order line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Take {
    pub order_line_id: Uuid,
    pub variant_id: Uuid,
    pub sku: String,
    pub quantity: i64,
}

/// Asked lines, as the admin sent them (`None`: everything that remains).
pub struct Asked {
    /// The order line's id as sent (it may be malformed).
    pub order_line_id: String,
    pub quantity: i32,
}

/// What this shipment takes. `shipped` is, per order line, what earlier live shipments took.
pub fn to_ship(
    lines: &[OrderLineFacts],
    shipped: &HashMap<Uuid, i64>,
    asked: Option<&[Asked]>,
) -> Result<Vec<Take>, Refusal> {
    let left = |line: &OrderLineFacts| line.quantity - shipped.get(&line.id).copied().unwrap_or(0);
    let take = |line: &OrderLineFacts, quantity: i64| Take {
        order_line_id: line.id,
        variant_id: line.variant_id,
        sku: line.sku.clone(),
        quantity,
    };
    let Some(asked) = asked else {
        let takes: Vec<Take> = lines
            .iter()
            .filter(|line| left(line) > 0)
            .map(|line| take(line, left(line)))
            .collect();
        return if takes.is_empty() {
            Err(Refusal::NothingLeft)
        } else {
            Ok(takes)
        };
    };
    if asked.is_empty() {
        return Err(Refusal::NoLines);
    }
    let mut problems = Vec::new();
    let mut wanted: Vec<(usize, &OrderLineFacts, i64)> = Vec::new();
    for (i, ask) in asked.iter().enumerate() {
        let line = Uuid::parse_str(&ask.order_line_id)
            .ok()
            .and_then(|id| lines.iter().find(|l| l.id == id));
        let Some(line) = line else {
            problems.push(Refusal::UnknownLine(i));
            continue;
        };
        // The same order line named twice counts once, with both quantities.
        match wanted.iter_mut().find(|(_, l, _)| l.id == line.id) {
            Some((_, _, quantity)) => *quantity += i64::from(ask.quantity),
            None => wanted.push((i, line, i64::from(ask.quantity))),
        }
    }
    for (i, line, quantity) in &wanted {
        if *quantity < 1 || *quantity > left(line) {
            problems.push(Refusal::LineQuantity {
                index: *i,
                left: left(line).max(0),
            });
        }
    }
    match problems.len() {
        0 => Ok(wanted
            .into_iter()
            .map(|(_, line, quantity)| take(line, quantity))
            .collect()),
        1 => Err(problems.remove(0)),
        _ => Err(Refusal::Several(problems)),
    }
}

/// Whether, with `taking` on top of `shipped`, every unit of the order has left.
pub fn all_shipped(
    lines: &[OrderLineFacts],
    shipped: &HashMap<Uuid, i64>,
    taking: &[Take],
) -> bool {
    lines.iter().all(|line| {
        let before = shipped.get(&line.id).copied().unwrap_or(0);
        let now: i64 = taking
            .iter()
            .filter(|t| t.order_line_id == line.id)
            .map(|t| t.quantity)
            .sum();
        before + now >= line.quantity
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(quantity: i64) -> OrderLineFacts {
        OrderLineFacts {
            id: Uuid::now_v7(),
            variant_id: Uuid::now_v7(),
            sku: format!("SKU-{quantity}"),
            quantity,
        }
    }

    fn ask(line: &OrderLineFacts, quantity: i32) -> Asked {
        Asked {
            order_line_id: line.id.to_string(),
            quantity,
        }
    }

    #[test]
    fn without_lines_everything_left_ships() {
        let (a, b) = (line(2), line(3));
        let shipped = HashMap::from([(a.id, 2), (b.id, 1)]);
        let takes = to_ship(&[a.clone(), b.clone()], &shipped, None).unwrap();
        assert_eq!(takes.len(), 1);
        assert_eq!((takes[0].order_line_id, takes[0].quantity), (b.id, 2));
        assert!(all_shipped(&[a.clone(), b.clone()], &shipped, &takes));
        let done = HashMap::from([(a.id, 2), (b.id, 3)]);
        assert_eq!(to_ship(&[a, b], &done, None), Err(Refusal::NothingLeft));
    }

    #[test]
    fn asked_lines_must_belong_to_the_order_and_fit_what_is_left() {
        let (a, b) = (line(2), line(3));
        let lines = [a.clone(), b.clone()];
        let shipped = HashMap::from([(b.id, 2)]);
        let takes = to_ship(&lines, &shipped, Some(&[ask(&a, 1)])).unwrap();
        assert_eq!(takes[0].quantity, 1);
        assert!(!all_shipped(&lines, &shipped, &takes));
        let refused = to_ship(
            &lines,
            &shipped,
            Some(&[
                ask(&b, 2),
                Asked {
                    order_line_id: "nope".into(),
                    quantity: 1,
                },
                ask(&a, 0),
            ]),
        );
        assert_eq!(
            refused,
            Err(Refusal::Several(vec![
                Refusal::UnknownLine(1),
                Refusal::LineQuantity { index: 0, left: 1 },
                Refusal::LineQuantity { index: 2, left: 2 },
            ]))
        );
        // Named twice: the quantities add up.
        assert_eq!(
            to_ship(&lines, &shipped, Some(&[ask(&a, 1), ask(&a, 2)])),
            Err(Refusal::LineQuantity { index: 0, left: 2 })
        );
        assert_eq!(to_ship(&lines, &shipped, Some(&[])), Err(Refusal::NoLines));
    }
}
