//! The demo shop's shipping: zones for the countries it sells to, each with methods of every
//! kind, made through shipping's own rules like an admin's.

use micromall_shipping::rules::rates::{MethodDraft, RateKind, WeightBand};
use micromall_shipping::service::{MethodInput, Shipping};
use rust_decimal::Decimal;

/// The demo shop's shipping: zones for the countries it sells to, each with methods of
/// every kind (flat, free above a subtotal, by weight). Made when no zone exists yet.
pub async fn zones(shipping: &Shipping) -> anyhow::Result<bool> {
    if !shipping.zones().await?.is_empty() {
        return Ok(false);
    }
    let money = |s: &str| -> Decimal { s.parse().expect("demo prices are decimals") };
    let bands = |list: &[(i32, &str)]| -> Vec<WeightBand> {
        list.iter()
            .map(|(up_to_grams, price)| WeightBand {
                up_to_grams: *up_to_grams,
                price: money(price),
            })
            .collect()
    };
    let method = |name: &str, kind: RateKind, price: &str, days: (i32, i32)| MethodDraft {
        name: name.to_owned(),
        kind,
        price: money(price),
        free_above: None,
        bands: Vec::new(),
        min_days: days.0,
        max_days: days.1,
        active: true,
    };
    let zones: [(&str, &[&str], Vec<MethodDraft>); 3] = [
        (
            "United States",
            &["US"],
            vec![
                MethodDraft {
                    free_above: Some(money("50")),
                    ..method("Standard", RateKind::FreeAbove, "4.99", (3, 5))
                },
                method("Express", RateKind::Flat, "14.99", (1, 2)),
                MethodDraft {
                    bands: bands(&[(1_000, "3.99"), (5_000, "7.99"), (20_000, "14.99")]),
                    ..method("Economy", RateKind::WeightBands, "24.99", (5, 8))
                },
            ],
        ),
        (
            "Canada and Mexico",
            &["CA", "MX"],
            vec![MethodDraft {
                bands: bands(&[(1_000, "9.99"), (5_000, "19.99")]),
                ..method(
                    "International Standard",
                    RateKind::WeightBands,
                    "39.99",
                    (6, 10),
                )
            }],
        ),
        (
            "Europe",
            &[
                "AT", "BE", "DE", "DK", "ES", "FI", "FR", "GB", "IE", "IT", "NL", "PL", "PT", "SE",
            ],
            vec![
                MethodDraft {
                    bands: bands(&[(1_000, "11.99"), (5_000, "24.99")]),
                    ..method(
                        "International Standard",
                        RateKind::WeightBands,
                        "44.99",
                        (7, 12),
                    )
                },
                method("International Express", RateKind::Flat, "39.99", (3, 5)),
            ],
        ),
    ];
    for (name, countries, methods) in zones {
        let countries: Vec<String> = countries.iter().map(|c| (*c).to_owned()).collect();
        let zone = shipping
            .create_zone(name, &countries)
            .await
            .map_err(|e| anyhow::anyhow!("demo zone {name}: {e:?}"))?;
        for draft in methods {
            shipping
                .create_method(MethodInput {
                    zone_id: zone.zone.id.to_string(),
                    draft,
                })
                .await
                .map_err(|e| anyhow::anyhow!("demo shipping method: {e:?}"))?;
        }
    }
    Ok(true)
}
