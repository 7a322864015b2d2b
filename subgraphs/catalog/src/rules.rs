//! Catalog input rules as pure functions, each failing with the code the contract names.

use micromall_kit::UserError;
use micromall_kit::money::fits_currency;
use rust_decimal::Decimal;

pub const MAX_NAME_CHARS: usize = 200;
pub const MAX_DESCRIPTION_CHARS: usize = 10_000;
pub const MAX_SLUG_CHARS: usize = 200;
pub const MAX_SKU_CHARS: usize = 64;
pub const MAX_TAGS: usize = 20;
pub const MAX_TAG_CHARS: usize = 50;
pub const MAX_IMAGES: usize = 20;
pub const MAX_URL_CHARS: usize = 2048;
pub const MAX_VARIANTS: usize = 100;
pub const MAX_ATTRIBUTES: usize = 20;

/// A trimmed display name of 1..=200 characters without control characters.
pub fn clean_name(name: &str, path: &[&str]) -> Result<String, UserError> {
    let name = name.trim();
    let count = name.chars().count();
    if count == 0 || count > MAX_NAME_CHARS || name.chars().any(char::is_control) {
        return Err(UserError::new("INVALID_NAME", "name must be 1 to 200 characters").at(path));
    }
    Ok(name.to_owned())
}

pub fn clean_description(text: &str) -> Result<String, UserError> {
    if text.chars().count() > MAX_DESCRIPTION_CHARS {
        return Err(UserError::new(
            "INVALID_DESCRIPTION",
            "description must be at most 10000 characters",
        )
        .at(&["input", "description"]));
    }
    Ok(text.trim().to_owned())
}

/// `Red Running Shoes!` → `red-running-shoes`. Empty when nothing usable is left.
pub fn slugify(text: &str) -> String {
    let mut slug = String::new();
    for c in text.chars().flat_map(char::to_lowercase) {
        if c.is_ascii_alphanumeric() {
            slug.push(c);
        } else if !slug.ends_with('-') && !slug.is_empty() {
            slug.push('-');
        }
    }
    let slug = slug.trim_end_matches('-');
    slug.chars()
        .take(MAX_SLUG_CHARS)
        .collect::<String>()
        .trim_end_matches('-')
        .to_owned()
}

/// An explicit slug must already be in slug form.
pub fn check_slug(slug: &str) -> Result<(), UserError> {
    let ok = !slug.is_empty()
        && slug.len() <= MAX_SLUG_CHARS
        && slug.split('-').all(|part| {
            !part.is_empty()
                && part
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
        });
    if ok {
        Ok(())
    } else {
        Err(UserError::new(
            "INVALID_SLUG",
            "slug must be lower-case letters and digits joined by single hyphens",
        )
        .at(&["input", "slug"]))
    }
}

pub fn check_sku(sku: &str, path: &[&str]) -> Result<String, UserError> {
    let sku = sku.trim();
    let ok = !sku.is_empty()
        && sku.len() <= MAX_SKU_CHARS
        && sku
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
    if ok {
        Ok(sku.to_owned())
    } else {
        Err(UserError::new(
            "INVALID_SKU",
            "SKU must be 1 to 64 characters of letters, digits, - _ and .",
        )
        .at(path))
    }
}

/// Prices are positive and have no more decimals than the currency has.
pub fn check_price(price: Decimal, currency: &str, path: &[&str]) -> Result<Decimal, UserError> {
    if price <= Decimal::ZERO {
        return Err(UserError::new("INVALID_PRICE", "price must be greater than zero").at(path));
    }
    if !fits_currency(price, currency) {
        return Err(UserError::new(
            "INVALID_PRICE",
            format!("price has more decimals than {currency} allows"),
        )
        .at(path));
    }
    if price > Decimal::from(1_000_000_000) {
        return Err(UserError::new("INVALID_PRICE", "price is unreasonably large").at(path));
    }
    Ok(price.normalize())
}

/// Tags are lower-cased, trimmed and deduplicated.
pub fn clean_tags(tags: &[String]) -> Result<Vec<String>, UserError> {
    if tags.len() > MAX_TAGS {
        return Err(UserError::new("INVALID_TAG", "at most 20 tags").at(&["input", "tags"]));
    }
    let mut out: Vec<String> = Vec::new();
    for tag in tags {
        let tag = tag.trim().to_lowercase();
        if tag.is_empty()
            || tag.chars().count() > MAX_TAG_CHARS
            || tag.chars().any(char::is_control)
        {
            return Err(
                UserError::new("INVALID_TAG", "tags must be 1 to 50 characters")
                    .at(&["input", "tags"]),
            );
        }
        if !out.contains(&tag) {
            out.push(tag);
        }
    }
    Ok(out)
}

pub fn check_image_url(url: &str) -> Result<(), UserError> {
    let ok = url.len() <= MAX_URL_CHARS
        && (url.starts_with("https://") || url.starts_with("http://"))
        && !url.chars().any(|c| c.is_whitespace() || c.is_control());
    if ok {
        Ok(())
    } else {
        Err(UserError::new(
            "INVALID_IMAGE",
            "image URLs must be http(s) URLs of at most 2048 characters",
        )
        .at(&["input", "images"]))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    #[test]
    fn slugs_are_derived_from_names() {
        assert_eq!(slugify("Red Running Shoes!"), "red-running-shoes");
        assert_eq!(slugify("  Ünïcode & Co. 2000 "), "n-code-co-2000");
        assert_eq!(slugify("!!!"), "");
        assert!(check_slug("red-shoes-2").is_ok());
        for bad in ["", "Red", "red--shoes", "-red", "red shoes"] {
            assert!(check_slug(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn prices_must_be_positive_with_currency_decimals() {
        let d = |s: &str| Decimal::from_str(s).unwrap();
        assert_eq!(check_price(d("19.90"), "USD", &[]).unwrap(), d("19.9"));
        assert_eq!(
            check_price(d("0"), "USD", &[]).unwrap_err().code,
            "INVALID_PRICE"
        );
        assert_eq!(
            check_price(d("-1"), "USD", &[]).unwrap_err().code,
            "INVALID_PRICE"
        );
        assert_eq!(
            check_price(d("1.999"), "USD", &[]).unwrap_err().code,
            "INVALID_PRICE"
        );
        assert_eq!(
            check_price(d("1.5"), "JPY", &[]).unwrap_err().code,
            "INVALID_PRICE"
        );
    }

    #[test]
    fn skus_tags_and_images() {
        assert!(check_sku("SHOE-RED-42", &[]).is_ok());
        assert!(check_sku("shoe red", &[]).is_err());
        assert_eq!(
            clean_tags(&[" Sale ".into(), "sale".into(), "New".into()]).unwrap(),
            ["sale", "new"]
        );
        assert!(clean_tags(&["".into()]).is_err());
        assert!(check_image_url("https://cdn.example.com/a.jpg").is_ok());
        assert!(check_image_url("javascript:alert(1)").is_err());
    }
}
