//! Carts of shoppers who have not signed in. A guest's first `addToCart` issues an opaque
//! token; the token reaches that cart from then on, until the guest signs in and merges it
//! (`mergeGuestCart`) or it lies idle past `guest_idle_ttl`. Only the token's SHA-256 is
//! kept, so a copy of the database reaches no cart.

use std::collections::HashMap;
use std::net::IpAddr;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::Utc;
use micromall_kit::contracts::catalog::VariantFacts;
use micromall_kit::db::begin_write;
use micromall_kit::error::ErrorCode;
use micromall_kit::{ApiError, DomainError, refuse};
use rand::RngCore;
use sha2::{Digest, Sha256};
use uuid::Uuid;

use super::{CartState, Carts, Change, state_of};
use crate::refusal::Refusal;
use crate::rules::MAX_LINE_QUANTITY;
use crate::store;

/// What a guest's token starts with, so support can tell one from other credentials.
const TOKEN_PREFIX: &str = "gc_";
/// Longest token looked up; anything longer is no token of ours.
const MAX_TOKEN_LEN: usize = 64;
/// Idle guest carts deleted per sweep.
const SWEEP_BATCH: u64 = 500;
/// Tries at a merge while the guest keeps changing the cart.
const MERGE_ATTEMPTS: usize = 3;

/// Whose cart an operation is on: `owner` is the cart's owner id (the customer, or a guest's
/// made-up id); `token` is the guest's token, to hand back.
#[derive(Debug, Clone)]
pub struct Holder {
    pub owner: Uuid,
    pub token: Option<String>,
}

/// What one client is counted as: its IPv4 address, or the /64 network of an IPv6 one (a
/// single client holds a whole /64 and could take a new address per request).
fn address_key(ip: IpAddr) -> String {
    match ip {
        IpAddr::V4(v4) => v4.to_string(),
        IpAddr::V6(v6) => {
            let s = v6.segments();
            format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
        }
    }
}

fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

fn new_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    format!("{TOKEN_PREFIX}{}", URL_SAFE_NO_PAD.encode(bytes))
}

impl Carts {
    /// The holder of the cart an operation is on: the guest whose `token` it is, else the
    /// signed-in `user`. With `issue` (a first `addToCart`), a caller with neither, or with
    /// a token that reaches no cart any more, becomes a new guest.
    /// `addr` is the caller's address: one address starts at most `guests_per_address`
    /// guest carts a window.
    pub async fn holder(
        &self,
        user: Option<Uuid>,
        token: Option<&str>,
        issue: bool,
        addr: Option<IpAddr>,
    ) -> Result<Holder, DomainError<Refusal>> {
        if let Some(token) = token {
            let owner = if token.len() <= MAX_TOKEN_LEN && token.starts_with(TOKEN_PREFIX) {
                store::use_guest(&self.db, &token_hash(token)).await?
            } else {
                None
            };
            return match (owner, user) {
                (Some(owner), _) => Ok(Holder {
                    owner,
                    token: Some(token.to_owned()),
                }),
                // A customer's client still sending a spent token: their own cart.
                (None, Some(owner)) if issue => Ok(Holder { owner, token: None }),
                (None, None) if issue => self.new_guest(addr).await,
                (None, _) => refuse(Refusal::GuestCartNotFound),
            };
        }
        match user {
            Some(owner) => Ok(Holder { owner, token: None }),
            None if issue => self.new_guest(addr).await,
            None => Err(ApiError::unauthenticated().into()),
        }
    }

    async fn new_guest(&self, addr: Option<IpAddr>) -> Result<Holder, DomainError<Refusal>> {
        if let Some(ip) = addr {
            let key = format!("cart:guests:{}", address_key(ip));
            let started = self
                .counters
                .increment(&key, self.guests.guests_window)
                .await
                .map_err(ApiError::internal)?;
            if started > self.guests.guests_per_address {
                return Err(ApiError::new(
                    ErrorCode::RateLimited,
                    "too many new carts from this address; sign in or try again later",
                )
                .into());
            }
        }
        let token = new_token();
        // Random (v4), unlike accounts' time-ordered ids: no customer ever has this id.
        let owner = Uuid::new_v4();
        store::insert_guest(&self.db, &token_hash(&token), owner).await?;
        Ok(Holder {
            owner,
            token: Some(token),
        })
    }

    /// Moves the guest cart of `token` into the customer's cart: quantities of the same item
    /// are added, each line capped by what inventory has and the per-line limit; an item no
    /// longer sold is left behind; the guest's coupon comes along when the customer has none.
    /// The guest cart is gone afterwards.
    pub async fn merge_guest(&self, user: Uuid, token: &str) -> Change {
        let guest = self.holder(None, Some(token), false, None).await?;
        // Catalog and inventory are asked outside the write transaction; if the guest added
        // something meanwhile, ask again rather than leave it behind.
        for _ in 0..MERGE_ATTEMPTS {
            let seen: Vec<Uuid> = match self.state_of_user(guest.owner).await? {
                Some(state) => state.lines.iter().map(|l| l.variant_id).collect(),
                None => Vec::new(),
            };
            let facts = self.catalog.variants(&seen).await?;
            let available = self.inventory.available_all(&seen).await?;
            if let Some(merged) = self
                .merge_seen(user, guest.owner, &seen, &facts, &available)
                .await?
            {
                return Ok(self.price(merged).await?);
            }
        }
        Err(ApiError::internal(anyhow::anyhow!(
            "the guest cart kept changing during the merge"
        ))
        .into())
    }

    /// The merge itself, in one write transaction; `None` when the guest cart now holds an
    /// item that was not asked about (nothing is changed then).
    async fn merge_seen(
        &self,
        user: Uuid,
        guest: Uuid,
        seen: &[Uuid],
        facts: &HashMap<Uuid, VariantFacts>,
        available: &HashMap<Uuid, i64>,
    ) -> Result<Option<CartState>, DomainError<Refusal>> {
        let txn = begin_write(&self.db).await?;
        let cart = self.own_cart(&txn, user).await?;
        // The guest cart as it is now, locked: of two merges racing, the second finds it
        // gone and brings nothing.
        let Some(guest_cart) = store::lock_cart_of_user(&txn, guest).await? else {
            store::delete_guest(&txn, guest).await?;
            let state = state_of(&txn, cart.id).await?;
            txn.commit().await?;
            return Ok(Some(state));
        };
        let guest_lines = store::lines_of(&txn, guest_cart.id).await?;
        if guest_lines.iter().any(|l| !seen.contains(&l.variant_id)) {
            return Ok(None);
        }
        let version = store::advance_version(&txn, &cart).await?;
        let mut lines = store::line_count(&txn, cart.id).await?;
        for line in &guest_lines {
            if !facts.get(&line.variant_id).is_some_and(|v| v.purchasable) {
                continue;
            }
            let stock = available.get(&line.variant_id).copied().unwrap_or(0);
            let cap = |wanted: i32| -> i32 {
                let stock = i32::try_from(stock.max(0)).unwrap_or(i32::MAX);
                wanted.min(MAX_LINE_QUANTITY).min(stock)
            };
            match store::line_for_variant(&txn, cart.id, line.variant_id).await? {
                Some(own) => {
                    let merged = cap(own.quantity + line.quantity).max(own.quantity);
                    if merged != own.quantity {
                        store::set_line_quantity(&txn, own.id, merged, version).await?;
                    }
                }
                None => {
                    let quantity = cap(line.quantity);
                    if quantity > 0 && lines < crate::rules::MAX_LINES {
                        store::insert_line(&txn, cart.id, line.variant_id, quantity, version)
                            .await?;
                        lines += 1;
                    }
                }
            }
        }
        if cart.coupon_code.is_none()
            && let Some(code) = &guest_cart.coupon_code
        {
            store::set_coupon(&txn, cart.id, Some(code), version).await?;
        }
        store::delete_guest(&txn, guest).await?;
        let merged = state_of(&txn, cart.id).await?;
        txn.commit().await?;
        self.outbox.wake();
        Ok(Some(merged))
    }

    /// Deletes guest carts idle longer than `ttl`; how many. Each is checked again as it is
    /// deleted: a guest who came back meanwhile keeps their cart.
    pub async fn expire_guests(&self, ttl: chrono::TimeDelta) -> Result<usize, sea_orm::DbErr> {
        let Some(before) = Utc::now().checked_sub_signed(ttl) else {
            return Ok(0);
        };
        let idle = store::idle_guests(&self.db, before, SWEEP_BATCH).await?;
        let mut expired = 0;
        for owner in &idle {
            let txn = begin_write(&self.db).await?;
            if store::forget_idle_guest(&txn, *owner, before).await? {
                store::delete_guest(&txn, *owner).await?;
                expired += 1;
            }
            txn.commit().await?;
        }
        Ok(expired)
    }
}
