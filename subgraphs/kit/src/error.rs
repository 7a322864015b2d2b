//! The error model every subgraph speaks.
//!
//! Business failures are data (`UserError` in a payload). Everything else is a top-level
//! GraphQL error with a code in `extensions.code`; internal failures are logged with the
//! request id and answered without detail.

use async_graphql::{ErrorExtensions, SimpleObject};

/// A business failure returned inside a mutation payload.
#[derive(Debug, Clone, PartialEq, Eq, SimpleObject)]
#[graphql(shareable)]
pub struct UserError {
    /// Path into the input, e.g. `["input", "email"]`.
    pub field: Option<Vec<String>>,
    pub message: String,
    /// SCREAMING_SNAKE_CASE, listed per mutation in the API contract.
    pub code: String,
}

impl UserError {
    pub fn new(code: &str, message: impl Into<String>) -> Self {
        Self {
            field: None,
            message: message.into(),
            code: code.to_owned(),
        }
    }

    /// Points the error at an input path such as `["input", "email"]`.
    pub fn at(mut self, path: &[&str]) -> Self {
        self.field = Some(path.iter().map(|p| (*p).to_owned()).collect());
        self
    }
}

/// Top-level error codes (`extensions.code`), shared with the router.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorCode {
    Unauthenticated,
    Forbidden,
    BadUserInput,
    RateLimited,
    Internal,
}

impl ErrorCode {
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::Unauthenticated => "UNAUTHENTICATED",
            ErrorCode::Forbidden => "FORBIDDEN",
            ErrorCode::BadUserInput => "BAD_USER_INPUT",
            ErrorCode::RateLimited => "RATE_LIMITED",
            ErrorCode::Internal => "INTERNAL",
        }
    }
}

/// A failure that ends a resolver with a top-level error.
///
/// Deliberately not `Display`: async-graphql converts any `Display` error into a plain
/// message, which would drop the code and could leak an internal cause. This type converts
/// only through the `From` below.
#[derive(Debug)]
pub enum ApiError {
    Coded {
        code: ErrorCode,
        message: String,
    },
    /// Anything unexpected: logged in full, answered as `INTERNAL`.
    Internal(anyhow::Error),
}

impl From<anyhow::Error> for ApiError {
    fn from(err: anyhow::Error) -> Self {
        ApiError::Internal(err)
    }
}

impl ApiError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        ApiError::Coded {
            code,
            message: message.into(),
        }
    }

    pub fn unauthenticated() -> Self {
        Self::new(ErrorCode::Unauthenticated, "sign in to do this")
    }

    pub fn forbidden() -> Self {
        Self::new(ErrorCode::Forbidden, "you are not allowed to do this")
    }

    pub fn bad_input(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::BadUserInput, message)
    }

    pub fn internal(err: impl Into<anyhow::Error>) -> Self {
        ApiError::Internal(err.into())
    }

    /// For callers that only log failures (internal endpoints, event handlers).
    pub fn into_anyhow(self) -> anyhow::Error {
        match self {
            ApiError::Coded { code, message } => anyhow::anyhow!("{}: {message}", code.as_str()),
            ApiError::Internal(err) => err,
        }
    }
}

impl From<sea_orm::DbErr> for ApiError {
    fn from(err: sea_orm::DbErr) -> Self {
        ApiError::Internal(err.into())
    }
}

impl From<ApiError> for async_graphql::Error {
    fn from(err: ApiError) -> Self {
        match err {
            ApiError::Coded { code, message } => {
                async_graphql::Error::new(message).extend_with(|_, e| e.set("code", code.as_str()))
            }
            ApiError::Internal(source) => {
                let request_id = crate::http::current_request_id();
                tracing::error!(request_id = %request_id, error = ?source, "internal error");
                async_graphql::Error::new("internal error").extend_with(|_, e| {
                    e.set("code", ErrorCode::Internal.as_str());
                    e.set("requestId", request_id.as_str());
                })
            }
        }
    }
}

pub type ApiResult<T> = Result<T, ApiError>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn internal_errors_hide_their_cause() {
        let err: async_graphql::Error =
            ApiError::internal(anyhow::anyhow!("SELECT secret FROM users failed")).into();
        assert_eq!(err.message, "internal error");
        let ext = format!("{:?}", err.extensions);
        assert!(ext.contains("INTERNAL"));
        assert!(!ext.contains("SELECT"));
    }

    #[test]
    fn coded_errors_carry_their_code() {
        let err: async_graphql::Error = ApiError::forbidden().into();
        assert!(format!("{:?}", err.extensions).contains("FORBIDDEN"));
    }
}
