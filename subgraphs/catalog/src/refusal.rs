//! Everything catalog refuses, and the one place each refusal gets its contract code, message
//! and input path.

use micromall_kit::DomainRefusal;
use micromall_kit::outcome::{joined_messages, path};

use crate::rules::{
    MAX_ATTRIBUTE_NAME_CHARS, MAX_ATTRIBUTE_VALUE_CHARS, MAX_DESCRIPTION_CHARS, MAX_IMAGES,
    MAX_NAME_CHARS, MAX_SKU_CHARS, MAX_TAG_CHARS, MAX_TAGS, MAX_URL_CHARS, MAX_VARIANTS,
    MAX_WEIGHT_GRAMS,
};

/// Whose name: the input's own (product, category) or a variant's, by its index in the input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Named {
    Input,
    Variant(usize),
}

/// Whose price: `setVariantPrice`'s argument or a variant's, by its index in the input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Priced {
    Argument,
    Variant(usize),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PriceProblem {
    NotPositive,
    /// More decimals than the currency (named) has.
    TooPrecise(String),
    TooLarge,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    InvalidName(Named),
    DescriptionTooLong,
    /// An explicit slug that is not in slug form.
    InvalidSlug,
    /// A category whose name leaves nothing to make a slug of.
    NoSlug,
    /// The SKU of the variant at this index is malformed.
    InvalidSku(usize),
    InvalidPrice(Priced, PriceProblem),
    TooManyTags,
    InvalidTag,
    TooManyImages,
    InvalidImageUrl,
    AltTooLong,
    /// The attributes of the variant at this index.
    InvalidAttributes(usize),
    /// A variant's shipping weight outside 0..=MAX_WEIGHT_GRAMS.
    InvalidWeight(usize),
    NoVariants,
    TooManyVariants,
    /// The variant at `index` repeats a SKU an earlier variant of the same input has.
    RepeatedSku {
        index: usize,
        sku: String,
    },
    /// The variant at `index` has a SKU another product's variant has.
    SkuTaken {
        index: usize,
        sku: String,
    },
    /// Another product has this slug.
    SlugTaken,
    /// Another category has this slug.
    CategorySlugTaken,
    CategoryNotFound,
    ParentNotFound,
    ProductNotFound,
    VariantNotFound,
    /// Everything wrong with one input, reported together.
    Several(Vec<Refusal>),
}

impl Refusal {
    /// One refusal for all of `refusals`; `None` when there are none.
    pub fn of_all(mut refusals: Vec<Refusal>) -> Option<Refusal> {
        match refusals.len() {
            0 => None,
            1 => refusals.pop(),
            _ => Some(Refusal::Several(refusals)),
        }
    }
}

fn variant_path(index: usize, field: &str) -> Option<Vec<String>> {
    path(&["input", "variants", &index.to_string(), field])
}

impl DomainRefusal for Refusal {
    fn code(&self) -> &'static str {
        match self {
            Refusal::InvalidName(_) => "INVALID_NAME",
            Refusal::DescriptionTooLong => "INVALID_DESCRIPTION",
            Refusal::InvalidSlug | Refusal::NoSlug => "INVALID_SLUG",
            Refusal::InvalidSku(_) => "INVALID_SKU",
            Refusal::InvalidPrice(..) => "INVALID_PRICE",
            Refusal::TooManyTags | Refusal::InvalidTag => "INVALID_TAG",
            Refusal::TooManyImages | Refusal::InvalidImageUrl | Refusal::AltTooLong => {
                "INVALID_IMAGE"
            }
            Refusal::InvalidAttributes(_) => "INVALID_ATTRIBUTE",
            Refusal::InvalidWeight(_) => "INVALID_WEIGHT",
            Refusal::NoVariants | Refusal::TooManyVariants => "NO_VARIANTS",
            Refusal::RepeatedSku { .. } | Refusal::SkuTaken { .. } => "SKU_TAKEN",
            Refusal::SlugTaken | Refusal::CategorySlugTaken => "SLUG_TAKEN",
            Refusal::CategoryNotFound | Refusal::ParentNotFound => "CATEGORY_NOT_FOUND",
            Refusal::ProductNotFound | Refusal::VariantNotFound => "NOT_FOUND",
            Refusal::Several(all) => all.first().map_or("INVALID_INPUT", Refusal::code),
        }
    }

    fn message(&self) -> String {
        match self {
            Refusal::InvalidName(_) => format!("name must be 1 to {MAX_NAME_CHARS} characters"),
            Refusal::DescriptionTooLong => {
                format!("description must be at most {MAX_DESCRIPTION_CHARS} characters")
            }
            Refusal::InvalidSlug => {
                "slug must be lower-case letters and digits joined by single hyphens".to_owned()
            }
            Refusal::NoSlug => "give the category a slug".to_owned(),
            Refusal::InvalidSku(_) => {
                format!("SKU must be 1 to {MAX_SKU_CHARS} characters of letters, digits, - _ and .")
            }
            Refusal::InvalidPrice(_, PriceProblem::NotPositive) => {
                "price must be greater than zero".to_owned()
            }
            Refusal::InvalidPrice(_, PriceProblem::TooPrecise(currency)) => {
                format!("price has more decimals than {currency} allows")
            }
            Refusal::InvalidPrice(_, PriceProblem::TooLarge) => {
                "price is unreasonably large".to_owned()
            }
            Refusal::TooManyTags => format!("at most {MAX_TAGS} tags"),
            Refusal::InvalidTag => format!("tags must be 1 to {MAX_TAG_CHARS} characters"),
            Refusal::TooManyImages => format!("at most {MAX_IMAGES} images"),
            Refusal::InvalidImageUrl => {
                format!("image URLs must be http(s) URLs of at most {MAX_URL_CHARS} characters")
            }
            Refusal::AltTooLong => {
                format!("alt text must be at most {MAX_NAME_CHARS} characters")
            }
            Refusal::InvalidWeight(_) => {
                format!("weightGrams must be between 0 and {MAX_WEIGHT_GRAMS}")
            }
            Refusal::InvalidAttributes(_) => format!(
                "attributes need a name (1-{MAX_ATTRIBUTE_NAME_CHARS} characters) and a value (at most {MAX_ATTRIBUTE_VALUE_CHARS})"
            ),
            Refusal::NoVariants => "a product needs at least one variant".to_owned(),
            Refusal::TooManyVariants => format!("at most {MAX_VARIANTS} variants"),
            Refusal::RepeatedSku { sku, .. } => format!("SKU {sku} appears twice"),
            Refusal::SkuTaken { sku, .. } => format!("SKU {sku} is taken"),
            Refusal::SlugTaken => "a product with this slug exists".to_owned(),
            Refusal::CategorySlugTaken => "a category with this slug exists".to_owned(),
            Refusal::CategoryNotFound => "no such category".to_owned(),
            Refusal::ParentNotFound => "no such parent category".to_owned(),
            Refusal::ProductNotFound => "no such product".to_owned(),
            Refusal::VariantNotFound => "no such variant".to_owned(),
            Refusal::Several(all) => joined_messages(all),
        }
    }

    fn field(&self) -> Option<Vec<String>> {
        match self {
            Refusal::InvalidName(Named::Input) => path(&["input", "name"]),
            Refusal::InvalidName(Named::Variant(i)) => variant_path(*i, "name"),
            Refusal::DescriptionTooLong => path(&["input", "description"]),
            Refusal::InvalidSlug
            | Refusal::NoSlug
            | Refusal::SlugTaken
            | Refusal::CategorySlugTaken => path(&["input", "slug"]),
            Refusal::InvalidSku(index)
            | Refusal::RepeatedSku { index, .. }
            | Refusal::SkuTaken { index, .. } => variant_path(*index, "sku"),
            Refusal::InvalidPrice(Priced::Argument, _) => path(&["price"]),
            Refusal::InvalidPrice(Priced::Variant(i), _) => variant_path(*i, "price"),
            Refusal::TooManyTags | Refusal::InvalidTag => path(&["input", "tags"]),
            Refusal::TooManyImages | Refusal::InvalidImageUrl | Refusal::AltTooLong => {
                path(&["input", "images"])
            }
            Refusal::InvalidAttributes(i) => variant_path(*i, "attributes"),
            Refusal::InvalidWeight(i) => variant_path(*i, "weightGrams"),
            Refusal::NoVariants | Refusal::TooManyVariants => path(&["input", "variants"]),
            Refusal::CategoryNotFound => path(&["input", "categoryId"]),
            Refusal::ParentNotFound => path(&["input", "parentId"]),
            Refusal::ProductNotFound => path(&["id"]),
            Refusal::VariantNotFound => path(&["variantId"]),
            Refusal::Several(_) => None,
        }
    }

    micromall_kit::several_in!(Refusal::Several);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sku_refusal_points_at_its_variant() {
        let taken = Refusal::SkuTaken {
            index: 2,
            sku: "TR-43".into(),
        };
        assert_eq!(taken.code(), "SKU_TAKEN");
        assert_eq!(taken.field(), path(&["input", "variants", "2", "sku"]));
        assert_eq!(taken.message(), "SKU TR-43 is taken");
        assert_eq!(Refusal::SlugTaken.field(), path(&["input", "slug"]));
    }

    #[test]
    fn several_refusals_answer_one_user_error_each_in_order() {
        let all = Refusal::of_all(vec![
            Refusal::InvalidName(Named::Input),
            Refusal::InvalidPrice(Priced::Variant(1), PriceProblem::NotPositive),
        ])
        .expect("a refusal");
        let errors = all.user_errors();
        assert_eq!(
            errors.iter().map(|e| e.code.as_str()).collect::<Vec<_>>(),
            ["INVALID_NAME", "INVALID_PRICE"]
        );
        assert_eq!(errors[1].field, path(&["input", "variants", "1", "price"]));
        assert_eq!(Refusal::of_all(Vec::new()), None);
        assert_eq!(
            Refusal::of_all(vec![Refusal::SlugTaken]),
            Some(Refusal::SlugTaken)
        );
    }
}
