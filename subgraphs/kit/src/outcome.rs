//! How a use case ends, and how that reaches a client, written once for every domain.
//!
//! A service returns `Result<T, DomainError<R>>`, where `R` is its domain's refusal enum:
//! `Refused(R)` is a business rule saying no (answered as `userErrors` in the mutation's
//! payload), `Failed` is anything else (a top-level error, `INTERNAL` when unexpected). The
//! schema layer hands the result to [`answer`], which builds the payload.

use async_graphql::Error;

use crate::error::{ApiError, UserError};

/// A domain's refusals: one enum per domain, and this impl is the one place its variants
/// become the contract's codes, messages and input paths.
pub trait DomainRefusal {
    /// The contract's code, e.g. `SLUG_TAKEN`.
    fn code(&self) -> &'static str;
    /// What a person reads.
    fn message(&self) -> String;
    /// The input path the refusal is about, e.g. `["input", "slug"]`.
    fn field(&self) -> Option<Vec<String>> {
        None
    }
    /// What the refusal is about for another service (an internal call's `subject`), e.g.
    /// the variant that is out of stock.
    fn subject(&self) -> Option<String> {
        None
    }
    /// The refusals this one stands for when it reports several problems at once (a form
    /// with two bad fields), in the order the client should read them.
    fn parts(&self) -> Option<&[Self]>
    where
        Self: Sized,
    {
        None
    }
    /// The payload's `userErrors`: one per part, or this refusal's own.
    fn user_errors(&self) -> Vec<UserError>
    where
        Self: Sized,
    {
        match self.parts() {
            Some(parts) => parts.iter().flat_map(Self::user_errors).collect(),
            None => vec![UserError {
                field: self.field(),
                message: self.message(),
                code: self.code().to_owned(),
            }],
        }
    }
}

/// The message of a refusal made of several: each part's, in order.
pub fn joined_messages<R: DomainRefusal>(parts: &[R]) -> String {
    parts.iter().map(R::message).collect::<Vec<_>>().join("; ")
}

/// An input path from its parts: `path(&["input", "slug"])`.
pub fn path(parts: &[&str]) -> Option<Vec<String>> {
    Some(parts.iter().map(|p| (*p).to_owned()).collect())
}

/// Why a use case did not do what it was asked.
#[derive(Debug)]
pub enum DomainError<R> {
    /// A business rule said no.
    Refused(R),
    /// Unauthorised, malformed beyond the rules, or broken: a top-level error.
    Failed(ApiError),
}

impl<R> From<ApiError> for DomainError<R> {
    fn from(err: ApiError) -> Self {
        DomainError::Failed(err)
    }
}

impl<R> From<sea_orm::DbErr> for DomainError<R> {
    fn from(err: sea_orm::DbErr) -> Self {
        DomainError::Failed(err.into())
    }
}

impl<R> From<anyhow::Error> for DomainError<R> {
    fn from(err: anyhow::Error) -> Self {
        DomainError::Failed(err.into())
    }
}

impl<R> DomainError<R> {
    /// The refusal, if this is one.
    pub fn refusal(&self) -> Option<&R> {
        match self {
            DomainError::Refused(r) => Some(r),
            DomainError::Failed(_) => None,
        }
    }
}

/// Ends a use case with a refusal: `return refuse(CatalogRefusal::SlugTaken)`.
pub fn refuse<T, R>(refusal: R) -> Result<T, DomainError<R>> {
    Err(DomainError::Refused(refusal))
}

/// Lifts a rule's verdict (`Result<T, R>`) into a use case's result, so `?` works on it.
pub trait Verdict<T, R> {
    fn or_refuse(self) -> Result<T, DomainError<R>>;
}

impl<T, R> Verdict<T, R> for Result<T, R> {
    fn or_refuse(self) -> Result<T, DomainError<R>> {
        self.map_err(DomainError::Refused)
    }
}

/// A mutation payload: the result on success, or the refusals as `userErrors`.
pub trait Payload: Sized {
    type Value;
    fn done(value: Self::Value) -> Self;
    fn refused(user_errors: Vec<UserError>) -> Self;
}

/// The client's answer to a use case: a payload, or a top-level error.
pub fn answer<P, T, R>(outcome: Result<T, DomainError<R>>) -> async_graphql::Result<P>
where
    P: Payload,
    T: Into<P::Value>,
    R: DomainRefusal,
{
    match outcome {
        Ok(value) => Ok(P::done(value.into())),
        Err(DomainError::Refused(refusal)) => Ok(P::refused(refusal.user_errors())),
        Err(DomainError::Failed(err)) => Err(Error::from(err)),
    }
}

/// Inside a `DomainRefusal` impl: `parts` for an enum whose `$variant(Vec<Self>)` carries
/// several refusals at once (`micromall_kit::several_in!(Refusal::Several);`).
#[macro_export]
macro_rules! several_in {
    ($variant:path) => {
        fn parts(&self) -> Option<&[Self]> {
            match self {
                $variant(all) => Some(all),
                _ => None,
            }
        }
    };
}

/// Declares a payload object of the usual shape, `{ <result>: T, userErrors }`, and its
/// [`Payload`] impl: `payload!(ProductPayload, product: Product);`.
#[macro_export]
macro_rules! payload {
    ($(#[$meta:meta])* $name:ident, $field:ident: $value:ty) => {
        $(#[$meta])*
        #[derive(async_graphql::SimpleObject)]
        pub struct $name {
            pub $field: Option<$value>,
            pub user_errors: Vec<$crate::UserError>,
        }

        impl $crate::outcome::Payload for $name {
            type Value = $value;

            fn done(value: $value) -> Self {
                Self {
                    $field: Some(value),
                    user_errors: Vec::new(),
                }
            }

            fn refused(user_errors: Vec<$crate::UserError>) -> Self {
                Self {
                    $field: None,
                    user_errors,
                }
            }
        }
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug)]
    enum Refusal {
        SlugTaken,
        BadLine1,
        BadCountry,
        Several(Vec<Refusal>),
    }

    impl DomainRefusal for Refusal {
        fn code(&self) -> &'static str {
            match self {
                Refusal::SlugTaken => "SLUG_TAKEN",
                _ => "INVALID_ADDRESS",
            }
        }

        fn message(&self) -> String {
            "no".into()
        }

        fn field(&self) -> Option<Vec<String>> {
            match self {
                Refusal::SlugTaken => path(&["input", "slug"]),
                Refusal::BadLine1 => path(&["input", "line1"]),
                Refusal::BadCountry => path(&["input", "country"]),
                Refusal::Several(_) => None,
            }
        }

        several_in!(Refusal::Several);
    }

    payload!(NamePayload, name: String);

    #[test]
    fn success_fills_the_result_and_no_errors() {
        let payload: NamePayload = answer(Ok::<_, DomainError<Refusal>>("x")).unwrap();
        assert_eq!(payload.name.as_deref(), Some("x"));
        assert!(payload.user_errors.is_empty());
    }

    #[test]
    fn a_refusal_becomes_user_errors_with_code_and_field() {
        let payload: NamePayload = answer(refuse::<&str, _>(Refusal::SlugTaken)).unwrap();
        assert_eq!(payload.name, None);
        assert_eq!(payload.user_errors.len(), 1);
        assert_eq!(payload.user_errors[0].code, "SLUG_TAKEN");
        assert_eq!(
            payload.user_errors[0].field,
            Some(vec!["input".to_owned(), "slug".to_owned()])
        );
        let several: NamePayload = answer(refuse::<&str, _>(Refusal::Several(vec![
            Refusal::BadLine1,
            Refusal::BadCountry,
        ])))
        .unwrap();
        let fields: Vec<_> = several
            .user_errors
            .iter()
            .map(|e| e.field.clone())
            .collect();
        assert_eq!(
            fields,
            [path(&["input", "line1"]), path(&["input", "country"])]
        );
    }

    #[test]
    fn a_failure_is_a_top_level_error_without_detail() {
        let failed: DomainError<Refusal> = anyhow::anyhow!("SELECT secret").into();
        let err = answer::<NamePayload, &str, _>(Err(failed))
            .err()
            .expect("an error");
        assert_eq!(err.message, "internal error");
    }
}
