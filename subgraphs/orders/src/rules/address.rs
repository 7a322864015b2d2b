//! Shipping addresses: what a parcel needs, checked before anything is reserved.

use async_graphql::{InputObject, SimpleObject};
use serde::{Deserialize, Serialize};

use crate::refusal::Refusal;

/// Longest text a field may hold.
pub const MAX_TEXT: usize = 200;
const MAX_PHONE: usize = 32;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, SimpleObject, InputObject)]
#[graphql(input_name = "AddressInput")]
#[serde(rename_all = "camelCase")]
pub struct Address {
    pub name: String,
    pub line1: String,
    pub line2: Option<String>,
    pub city: String,
    pub postal_code: String,
    /// ISO 3166-1 alpha-2, e.g. "DE".
    pub country: String,
    pub phone: Option<String>,
}

/// An address field that failed its check; `refusal.rs` says what each one needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AddressField {
    Name,
    Line1,
    Line2,
    City,
    PostalCode,
    Country,
    Phone,
}

impl Address {
    /// Trims the fields and checks them; every bad field is named (`INVALID_ADDRESS`, one
    /// user error each, in the order the form shows them).
    pub fn validated(self) -> Result<Address, Refusal> {
        let mut bad = Vec::new();
        let mut required = |value: String, field: AddressField| {
            let value = value.trim().to_owned();
            if value.is_empty() || value.chars().count() > MAX_TEXT {
                bad.push(field);
            }
            value
        };
        let name = required(self.name, AddressField::Name);
        let line1 = required(self.line1, AddressField::Line1);
        let city = required(self.city, AddressField::City);
        let postal_code = required(self.postal_code, AddressField::PostalCode);
        let country = self.country.trim().to_ascii_uppercase();
        if country.len() != 2 || !country.chars().all(|c| c.is_ascii_uppercase()) {
            bad.push(AddressField::Country);
        }
        let line2 = optional(self.line2);
        if line2.as_ref().is_some_and(|l| l.chars().count() > MAX_TEXT) {
            bad.push(AddressField::Line2);
        }
        let phone = optional(self.phone);
        if phone.as_ref().is_some_and(|p| {
            p.len() > MAX_PHONE
                || !p
                    .chars()
                    .all(|c| c.is_ascii_digit() || " +-()/".contains(c))
        }) {
            bad.push(AddressField::Phone);
        }
        if !bad.is_empty() {
            return Err(Refusal::Several(
                bad.into_iter().map(Refusal::BadAddress).collect(),
            ));
        }
        Ok(Address {
            name,
            line1,
            line2,
            city,
            postal_code,
            country,
            phone,
        })
    }
}

fn optional(value: Option<String>) -> Option<String> {
    value.map(|v| v.trim().to_owned()).filter(|v| !v.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;
    use micromall_kit::DomainRefusal;

    fn address() -> Address {
        Address {
            name: " Ada Lovelace ".into(),
            line1: "12 Analytical St".into(),
            line2: Some("  ".into()),
            city: "London".into(),
            postal_code: "N1 9GU".into(),
            country: "gb".into(),
            phone: Some("+44 20 7946 0000".into()),
        }
    }

    #[test]
    fn a_real_address_is_cleaned_up() {
        let a = address().validated().unwrap();
        assert_eq!(a.name, "Ada Lovelace");
        assert_eq!(a.country, "GB");
        assert_eq!(a.line2, None);
    }

    #[test]
    fn every_bad_field_is_named() {
        let bad = Address {
            name: "".into(),
            city: "x".repeat(1000),
            country: "Germany".into(),
            phone: Some("call me".into()),
            ..address()
        };
        let errors = bad.validated().unwrap_err().user_errors();
        let fields: Vec<String> = errors
            .iter()
            .map(|e| e.field.as_ref().unwrap()[2].clone())
            .collect();
        assert_eq!(fields, ["name", "city", "country", "phone"]);
        assert!(errors.iter().all(|e| e.code == "INVALID_ADDRESS"));
    }
}
