//! Catalog input rules as pure functions, each failing with the refusal the contract names.

use std::collections::HashSet;

use micromall_kit::money::fits_currency;
use rust_decimal::Decimal;

use crate::refusal::{Named, PriceProblem, Priced, Refusal};
use crate::service::{NewProduct, NewVariant, ProductChanges};

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
/// Heaviest a variant may weigh for shipping, in grams (a tonne).
pub const MAX_WEIGHT_GRAMS: i32 = 1_000_000;
pub const MAX_ATTRIBUTE_NAME_CHARS: usize = 100;
pub const MAX_ATTRIBUTE_VALUE_CHARS: usize = 200;

/// A trimmed display name of 1..=200 characters without control characters.
pub fn clean_name(name: &str, whose: Named) -> Result<String, Refusal> {
    let name = name.trim();
    let count = name.chars().count();
    if count == 0 || count > MAX_NAME_CHARS || name.chars().any(char::is_control) {
        return Err(Refusal::InvalidName(whose));
    }
    Ok(name.to_owned())
}

pub fn clean_description(text: &str) -> Result<String, Refusal> {
    if text.chars().count() > MAX_DESCRIPTION_CHARS {
        return Err(Refusal::DescriptionTooLong);
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
pub fn check_slug(slug: &str) -> Result<(), Refusal> {
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
        Err(Refusal::InvalidSlug)
    }
}

/// The SKU of the variant at `index`, trimmed.
pub fn check_sku(sku: &str, index: usize) -> Result<String, Refusal> {
    let sku = sku.trim();
    let ok = !sku.is_empty()
        && sku.len() <= MAX_SKU_CHARS
        && sku
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
    if ok {
        Ok(sku.to_owned())
    } else {
        Err(Refusal::InvalidSku(index))
    }
}

/// Prices are positive and have no more decimals than the currency has.
pub fn check_price(price: Decimal, currency: &str, whose: Priced) -> Result<Decimal, Refusal> {
    let problem = if price <= Decimal::ZERO {
        PriceProblem::NotPositive
    } else if !fits_currency(price, currency) {
        PriceProblem::TooPrecise(currency.to_owned())
    } else if price > Decimal::from(1_000_000_000) {
        PriceProblem::TooLarge
    } else {
        return Ok(price.normalize());
    };
    Err(Refusal::InvalidPrice(whose, problem))
}

/// Tags are lower-cased, trimmed and deduplicated.
pub fn clean_tags(tags: &[String]) -> Result<Vec<String>, Refusal> {
    if tags.len() > MAX_TAGS {
        return Err(Refusal::TooManyTags);
    }
    let mut out: Vec<String> = Vec::new();
    for tag in tags {
        let tag = tag.trim().to_lowercase();
        if tag.is_empty()
            || tag.chars().count() > MAX_TAG_CHARS
            || tag.chars().any(char::is_control)
        {
            return Err(Refusal::InvalidTag);
        }
        if !out.contains(&tag) {
            out.push(tag);
        }
    }
    Ok(out)
}

pub fn check_image_url(url: &str) -> Result<(), Refusal> {
    let ok = url.len() <= MAX_URL_CHARS
        && (url.starts_with("https://") || url.starts_with("http://"))
        && !url.chars().any(|c| c.is_whitespace() || c.is_control());
    if ok {
        Ok(())
    } else {
        Err(Refusal::InvalidImageUrl)
    }
}

/// Keeps what passed a rule and notes what did not, so an input's faults come out together
/// (a value that failed is a placeholder: with anything noted, the input is refused).
fn noted<T: Default>(wrong: &mut Vec<Refusal>, checked: Result<T, Refusal>) -> T {
    checked.unwrap_or_else(|refusal| {
        wrong.push(refusal);
        T::default()
    })
}

/// A new product's input, cleaned, or everything wrong with it.
pub fn check_product(input: NewProduct, currency: &str) -> Result<NewProduct, Refusal> {
    let mut wrong = Vec::new();
    let name = noted(&mut wrong, clean_name(&input.name, Named::Input));
    let description = noted(&mut wrong, clean_description(&input.description));
    let tags = noted(&mut wrong, clean_tags(&input.tags));
    if let Some(slug) = &input.slug {
        noted(&mut wrong, check_slug(slug));
    }
    if input.images.len() > MAX_IMAGES {
        wrong.push(Refusal::TooManyImages);
    }
    for (url, alt) in &input.images {
        noted(&mut wrong, check_image_url(url));
        if alt
            .as_ref()
            .is_some_and(|a| a.chars().count() > MAX_NAME_CHARS)
        {
            wrong.push(Refusal::AltTooLong);
        }
    }
    let variants = check_variants(&input.variants, currency, &mut wrong);
    match Refusal::of_all(wrong) {
        Some(refusal) => Err(refusal),
        None => Ok(NewProduct {
            name,
            description,
            tags,
            variants,
            ..input
        }),
    }
}

/// The variants, cleaned; what is wrong with them goes to `wrong`.
fn check_variants(
    variants: &[NewVariant],
    currency: &str,
    wrong: &mut Vec<Refusal>,
) -> Vec<NewVariant> {
    if variants.is_empty() {
        wrong.push(Refusal::NoVariants);
        return Vec::new();
    }
    if variants.len() > MAX_VARIANTS {
        wrong.push(Refusal::TooManyVariants);
        return Vec::new();
    }
    let mut seen = HashSet::new();
    let mut out = Vec::new();
    for (index, v) in variants.iter().enumerate() {
        let sku = match check_sku(&v.sku, index) {
            Ok(sku) => sku,
            Err(refusal) => {
                wrong.push(refusal);
                continue;
            }
        };
        if !seen.insert(sku.to_lowercase()) {
            wrong.push(Refusal::RepeatedSku {
                index,
                sku: sku.clone(),
            });
        }
        let name = noted(wrong, clean_name(&v.name, Named::Variant(index)));
        let price = noted(
            wrong,
            check_price(v.price, currency, Priced::Variant(index)),
        );
        if v.attributes.len() > MAX_ATTRIBUTES
            || v.attributes.iter().any(|(n, val)| {
                n.trim().is_empty()
                    || n.chars().count() > MAX_ATTRIBUTE_NAME_CHARS
                    || val.chars().count() > MAX_ATTRIBUTE_VALUE_CHARS
            })
        {
            wrong.push(Refusal::InvalidAttributes(index));
        }
        if v.weight_grams
            .is_some_and(|grams| !(0..=MAX_WEIGHT_GRAMS).contains(&grams))
        {
            wrong.push(Refusal::InvalidWeight(index));
        }
        out.push(NewVariant {
            sku,
            name,
            price,
            attributes: v
                .attributes
                .iter()
                .map(|(n, val)| (n.trim().to_owned(), val.trim().to_owned()))
                .collect(),
            weight_grams: v.weight_grams,
        });
    }
    out
}

/// Changes to a product, cleaned, and what is wrong with them (empty when nothing is).
pub fn check_changes(changes: ProductChanges) -> (ProductChanges, Vec<Refusal>) {
    let mut wrong = Vec::new();
    let name = changes
        .name
        .map(|name| noted(&mut wrong, clean_name(&name, Named::Input)));
    let description = changes
        .description
        .map(|text| noted(&mut wrong, clean_description(&text)));
    let tags = changes
        .tags
        .map(|tags| noted(&mut wrong, clean_tags(&tags)));
    for (url, _) in changes.images.iter().flatten() {
        noted(&mut wrong, check_image_url(url));
    }
    let cleaned = ProductChanges {
        name,
        description,
        tags,
        ..changes
    };
    (cleaned, wrong)
}

/// The variants at whose index `taken` holds the SKU, as one refusal.
pub fn skus_taken(variants: &[NewVariant], taken: &[String]) -> Option<Refusal> {
    Refusal::of_all(
        variants
            .iter()
            .enumerate()
            .filter(|(_, v)| taken.contains(&v.sku))
            .map(|(index, v)| Refusal::SkuTaken {
                index,
                sku: v.sku.clone(),
            })
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use micromall_kit::DomainRefusal;

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
        assert_eq!(
            check_price(d("19.90"), "USD", Priced::Argument).unwrap(),
            d("19.9")
        );
        assert_eq!(
            check_price(d("0"), "USD", Priced::Argument)
                .unwrap_err()
                .code(),
            "INVALID_PRICE"
        );
        assert_eq!(
            check_price(d("-1"), "USD", Priced::Argument)
                .unwrap_err()
                .code(),
            "INVALID_PRICE"
        );
        assert_eq!(
            check_price(d("1.999"), "USD", Priced::Argument)
                .unwrap_err()
                .code(),
            "INVALID_PRICE"
        );
        assert_eq!(
            check_price(d("1.5"), "JPY", Priced::Argument)
                .unwrap_err()
                .code(),
            "INVALID_PRICE"
        );
    }

    #[test]
    fn skus_tags_and_images() {
        assert!(check_sku("SHOE-RED-42", 0).is_ok());
        assert!(check_sku("shoe red", 0).is_err());
        assert_eq!(
            clean_tags(&[" Sale ".into(), "sale".into(), "New".into()]).unwrap(),
            ["sale", "new"]
        );
        assert!(clean_tags(&["".into()]).is_err());
        assert!(check_image_url("https://cdn.example.com/a.jpg").is_ok());
        assert!(check_image_url("javascript:alert(1)").is_err());
    }

    fn variant(sku: &str, price: &str) -> NewVariant {
        NewVariant {
            sku: sku.into(),
            name: "A variant".into(),
            price: Decimal::from_str(price).unwrap(),
            attributes: Vec::new(),
            weight_grams: None,
        }
    }

    fn product(variants: Vec<NewVariant>) -> NewProduct {
        NewProduct {
            name: " Shoe ".into(),
            slug: None,
            description: "A shoe.".into(),
            category_id: None,
            tags: vec!["Sale".into()],
            images: Vec::new(),
            variants,
        }
    }

    #[test]
    fn a_product_is_cleaned_or_refused_with_all_that_is_wrong_in_order() {
        let clean = check_product(product(vec![variant(" S-1 ", "10")]), "USD").unwrap();
        assert_eq!(clean.name, "Shoe");
        assert_eq!(clean.tags, ["sale"]);
        assert_eq!(clean.variants[0].sku, "S-1");

        let mut bad = product(vec![
            variant("S-1", "10"),
            variant("s-1", "0"),
            variant("bad sku", "10"),
        ]);
        bad.name = " ".into();
        let refusal = check_product(bad, "USD").unwrap_err();
        let errors = refusal.user_errors();
        let found: Vec<(&str, Option<Vec<String>>)> = errors
            .iter()
            .map(|e| (e.code.as_str(), e.field.clone()))
            .collect();
        let at = |parts: &[&str]| Some(parts.iter().map(|p| (*p).to_owned()).collect());
        assert_eq!(
            found,
            [
                ("INVALID_NAME", at(&["input", "name"])),
                ("SKU_TAKEN", at(&["input", "variants", "1", "sku"])),
                ("INVALID_PRICE", at(&["input", "variants", "1", "price"])),
                ("INVALID_SKU", at(&["input", "variants", "2", "sku"])),
            ]
        );
    }

    #[test]
    fn taken_skus_are_named_by_their_variant_in_input_order() {
        let variants = [variant("A", "1"), variant("B", "1"), variant("C", "1")];
        assert_eq!(skus_taken(&variants, &[]), None);
        assert_eq!(
            skus_taken(&variants, &["C".into(), "A".into()]),
            Some(Refusal::Several(vec![
                Refusal::SkuTaken {
                    index: 0,
                    sku: "A".into()
                },
                Refusal::SkuTaken {
                    index: 2,
                    sku: "C".into()
                },
            ]))
        );
    }
}
