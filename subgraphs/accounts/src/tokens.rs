//! Opaque refresh tokens: 256 random bits for the client, their SHA-256 for the database.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sha2::{Digest, Sha256};

/// Longer inputs are not refresh tokens and are refused before hashing.
pub const MAX_REFRESH_TOKEN_LEN: usize = 128;

/// Whether `token` is worth looking up: anything else is refused before hashing.
pub fn could_be_refresh_token(token: &str) -> bool {
    !token.is_empty() && token.len() <= MAX_REFRESH_TOKEN_LEN
}

pub fn new_refresh_token() -> String {
    URL_SAFE_NO_PAD.encode(rand::random::<[u8; 32]>())
}

pub fn hash_refresh_token(token: &str) -> String {
    sha256_hex(token)
}

pub fn sha256_hex(text: &str) -> String {
    Sha256::digest(text.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_random_and_hashes_stable() {
        let a = new_refresh_token();
        assert_ne!(a, new_refresh_token());
        assert_eq!(a.len(), 43);
        assert_eq!(hash_refresh_token(&a), hash_refresh_token(&a));
        assert_eq!(hash_refresh_token(&a).len(), 64);
    }
}
