//! Relay connections with keyset cursors.
//!
//! Lists are ordered by a unique, creation-ordered key (UUIDv7 ids), so a cursor is just the
//! last key seen: stable under inserts, unlike offsets. Cursors are opaque to clients.

use async_graphql::connection::{Connection, Edge};
use async_graphql::{OutputType, SimpleObject};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use crate::error::ApiError;

pub const DEFAULT_PAGE_SIZE: u64 = 20;
pub const MAX_PAGE_SIZE: u64 = 100;
const CURSOR_PREFIX: &str = "k1:";
const MAX_CURSOR_LEN: usize = 512;

/// A validated page request: `first` clamped to 1..=100, `after` decoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageRequest {
    pub first: u64,
    pub after: Option<String>,
}

impl PageRequest {
    pub fn parse(first: Option<i32>, after: Option<String>) -> Result<Self, ApiError> {
        let first = match first {
            None => DEFAULT_PAGE_SIZE,
            Some(n) if n <= 0 => {
                return Err(ApiError::bad_input("`first` must be between 1 and 100"));
            }
            Some(n) => (n as u64).min(MAX_PAGE_SIZE),
        };
        let after = after.map(|c| decode_cursor(&c)).transpose()?;
        Ok(Self { first, after })
    }

    /// How many rows to fetch: one more than the page, to learn whether another page follows.
    pub fn fetch_limit(&self) -> u64 {
        self.first + 1
    }
}

pub fn encode_cursor(key: &str) -> String {
    URL_SAFE_NO_PAD.encode(format!("{CURSOR_PREFIX}{key}"))
}

pub fn decode_cursor(cursor: &str) -> Result<String, ApiError> {
    let invalid = || ApiError::bad_input("`after` is not a valid cursor");
    if cursor.len() > MAX_CURSOR_LEN {
        return Err(invalid());
    }
    let bytes = URL_SAFE_NO_PAD.decode(cursor).map_err(|_| invalid())?;
    let text = String::from_utf8(bytes).map_err(|_| invalid())?;
    text.strip_prefix(CURSOR_PREFIX)
        .filter(|k| !k.is_empty())
        .map(str::to_owned)
        .ok_or_else(invalid)
}

/// Extra fields every Micromall connection carries.
#[derive(SimpleObject)]
#[graphql(shareable)]
pub struct ConnectionTotals {
    pub total_count: i32,
}

/// A Relay connection named after its node (`UserConnection`, `UserEdge`).
pub type Page<N> = Connection<String, N, ConnectionTotals>;

/// Builds a page from rows fetched with `PageRequest::fetch_limit` (one extra row).
pub fn build_page<R, N: OutputType>(
    request: &PageRequest,
    mut rows: Vec<R>,
    total_count: u64,
    key: impl Fn(&R) -> String,
    node: impl Fn(R) -> N,
) -> Page<N> {
    let has_next_page = rows.len() as u64 > request.first;
    rows.truncate(request.first as usize);
    let mut page = Connection::with_additional_fields(
        request.after.is_some(),
        has_next_page,
        ConnectionTotals {
            total_count: i32::try_from(total_count).unwrap_or(i32::MAX),
        },
    );
    page.edges = rows
        .into_iter()
        .map(|row| Edge::new(encode_cursor(&key(&row)), node(row)))
        .collect();
    page
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_is_clamped_and_validated() {
        assert_eq!(PageRequest::parse(None, None).unwrap().first, 20);
        assert_eq!(PageRequest::parse(Some(1000), None).unwrap().first, 100);
        assert!(PageRequest::parse(Some(0), None).is_err());
        assert!(PageRequest::parse(Some(-5), None).is_err());
    }

    #[test]
    fn cursors_round_trip_and_reject_garbage() {
        let c = encode_cursor("0190-abc");
        assert_eq!(decode_cursor(&c).unwrap(), "0190-abc");
        assert!(decode_cursor("not a cursor!").is_err());
        assert!(decode_cursor(&URL_SAFE_NO_PAD.encode("offset:10")).is_err());
        assert!(decode_cursor(&"A".repeat(10_000)).is_err());
    }

    #[test]
    fn page_reports_next_page_from_the_extra_row() {
        let req = PageRequest::parse(Some(2), None).unwrap();
        let page = build_page(&req, vec![1, 2, 3], 3, |n| n.to_string(), |n| n);
        assert!(page.has_next_page);
        assert_eq!(page.edges.len(), 2);
        let page = build_page(&req, vec![1, 2], 2, |n| n.to_string(), |n| n);
        assert!(!page.has_next_page);
    }
}
