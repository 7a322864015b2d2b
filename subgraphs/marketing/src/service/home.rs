//! The home page: what the shop curates (featured products, banners, announcements) and what
//! marketing learns from events (new arrivals from catalog, best sellers and each customer's
//! purchases from paid orders). The shared part is kept in memory and rebuilt when something
//! changes here, or after `FRESH_FOR` at most (another replica may have handled the event).

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use chrono::{DateTime, TimeDelta, Utc};
use micromall_kit::contracts::orders::{OrderPlaced, OrderRef};
use micromall_kit::db::begin_write;
use micromall_kit::outcome::Verdict;
use micromall_kit::refuse;
use sea_orm::{ConnectionTrait, DbErr};
use tokio::sync::{Mutex, RwLock};
use uuid::Uuid;

use super::{Done, Marketing, ids_json, ids_of, now};
use crate::entity::{announcement, banner, known_product, placed_line};
use crate::refusal::Refusal;
use crate::rules::home::{self, BEST_SELLER_DAYS, BannerTerms, LIST_LEN, MAX_FEATURED};
use crate::store;

/// Longest a replica serves a home page built before an event another replica handled.
const FRESH_FOR: Duration = Duration::from_secs(1);

/// The part of the home page that is the same for everyone.
#[derive(Debug, Clone, Default)]
pub struct Shared {
    pub featured: Vec<Uuid>,
    pub new_arrivals: Vec<Uuid>,
    pub best_sellers: Vec<Uuid>,
    /// Not ended when built; each request shows those live at its time.
    pub banners: Vec<banner::Model>,
    pub announcements: Vec<announcement::Model>,
}

/// The shared part as last built, and when.
#[derive(Default)]
pub struct HomeCache {
    built: RwLock<Option<(Instant, Arc<Shared>)>>,
    /// Moves on every invalidation: a build that began before one is not kept (it may have
    /// read the database before the change committed).
    generation: AtomicU64,
    /// Held while rebuilding, so requests arriving meanwhile wait for that one build
    /// instead of each running their own.
    rebuilding: Mutex<()>,
}

impl HomeCache {
    async fn fresh(&self) -> Option<Arc<Shared>> {
        match self.built.read().await.as_ref() {
            Some((at, shared)) if at.elapsed() < FRESH_FOR => Some(shared.clone()),
            _ => None,
        }
    }
}

impl HomeCache {
    /// Drops what was built: the next request rebuilds.
    pub async fn invalidate(&self) {
        self.generation.fetch_add(1, Ordering::SeqCst);
        *self.built.write().await = None;
    }
}

/// A catalog product as marketing keeps it.
pub struct CatalogProduct {
    pub id: Uuid,
    pub category_ids: Vec<Uuid>,
    pub created_at: DateTime<Utc>,
}

impl Marketing {
    /// The shared part of the home page, from memory when fresh.
    pub async fn home(&self) -> Result<Arc<Shared>, DbErr> {
        if let Some(shared) = self.home_cache.fresh().await {
            return Ok(shared);
        }
        let _rebuilding = self.home_cache.rebuilding.lock().await;
        if let Some(shared) = self.home_cache.fresh().await {
            return Ok(shared);
        }
        let generation = self.home_cache.generation.load(Ordering::SeqCst);
        let shared = Arc::new(self.build_home().await?);
        let mut built = self.home_cache.built.write().await;
        if self.home_cache.generation.load(Ordering::SeqCst) == generation {
            *built = Some((Instant::now(), shared.clone()));
        }
        Ok(shared)
    }

    async fn build_home(&self) -> Result<Shared, DbErr> {
        let now = now();
        Ok(Shared {
            featured: store::featured(&self.db).await?,
            new_arrivals: store::newest_products(&self.db, LIST_LEN as u64).await?,
            best_sellers: self.best_sellers(LIST_LEN).await?,
            banners: store::banners_not_ended(&self.db, now).await?,
            announcements: store::announcements_not_ended(&self.db, now).await?,
        })
    }

    /// Products by units paid for over the last 30 days, archived ones left out.
    async fn best_sellers(&self, count: usize) -> Result<Vec<Uuid>, DbErr> {
        let since = day_of(now() - TimeDelta::days(BEST_SELLER_DAYS - 1));
        // Some of the top may be archived: ask for a few more than shown.
        let top = store::best_sellers(&self.db, &since, (count * 2) as u64).await?;
        let ids: Vec<Uuid> = top.iter().map(|(id, _)| *id).collect();
        let archived: Vec<Uuid> = store::known_products(&self.db, &ids)
            .await?
            .into_iter()
            .filter(|p| p.archived)
            .map(|p| p.product_id)
            .collect();
        Ok(ids
            .into_iter()
            .filter(|id| !archived.contains(id))
            .take(count)
            .collect())
    }

    /// For a signed-in shopper: the best sellers in the categories of what they bought, that
    /// they have not bought, topped up with the best sellers; for anyone else the best
    /// sellers.
    pub async fn recommended(&self, customer: Option<Uuid>) -> Result<Vec<Uuid>, DbErr> {
        let shared = self.home().await?;
        let Some(customer) = customer else {
            return Ok(shared.best_sellers.clone());
        };
        let bought = store::purchases_of(&self.db, customer, 50).await?;
        if bought.is_empty() {
            return Ok(shared.best_sellers.clone());
        }
        let categories: Vec<Uuid> = store::known_products(&self.db, &bought)
            .await?
            .iter()
            .flat_map(|p| ids_of(&p.category_ids))
            .collect();
        let candidates = self.best_sellers(200).await?;
        let known = store::known_products(&self.db, &candidates).await?;
        let in_their_categories = |id: &Uuid| {
            known.iter().any(|p| {
                p.product_id == *id
                    && ids_of(&p.category_ids)
                        .iter()
                        .any(|c| categories.contains(c))
            })
        };
        let mut picked: Vec<Uuid> = candidates
            .iter()
            .filter(|id| !bought.contains(id) && in_their_categories(id))
            .copied()
            .take(LIST_LEN)
            .collect();
        for id in &shared.best_sellers {
            if picked.len() >= LIST_LEN {
                break;
            }
            if !picked.contains(id) && !bought.contains(id) {
                picked.push(*id);
            }
        }
        Ok(picked)
    }

    pub async fn create_banner(&self, terms: BannerTerms) -> Done<banner::Model> {
        let terms = home::check_banner(terms).or_refuse()?;
        let row = banner::Model {
            id: Uuid::now_v7(),
            title: terms.title,
            image_url: terms.image_url,
            alt: terms.alt,
            link_url: terms.link_url,
            position: terms.position,
            starts_at: terms.starts_at,
            ends_at: terms.ends_at,
            created_at: now(),
        };
        store::insert_banner(&self.db, row.clone()).await?;
        self.home_cache.invalidate().await;
        Ok(row)
    }

    pub async fn delete_banner(&self, id: &str) -> Done<banner::Model> {
        let Ok(id) = Uuid::parse_str(id) else {
            return refuse(Refusal::NotFound("id"));
        };
        let Some(deleted) = store::delete_banner(&self.db, id).await? else {
            return refuse(Refusal::NotFound("id"));
        };
        self.home_cache.invalidate().await;
        Ok(deleted)
    }

    pub async fn create_announcement(
        &self,
        kind: &str,
        message: &str,
        starts_at: DateTime<Utc>,
        ends_at: DateTime<Utc>,
    ) -> Done<announcement::Model> {
        let message = home::check_announcement(message, starts_at, ends_at).or_refuse()?;
        let row = announcement::Model {
            id: Uuid::now_v7(),
            kind: kind.to_owned(),
            message,
            starts_at: micromall_kit::db::as_stored(starts_at),
            ends_at: micromall_kit::db::as_stored(ends_at),
            created_at: now(),
        };
        store::insert_announcement(&self.db, row.clone()).await?;
        self.home_cache.invalidate().await;
        Ok(row)
    }

    /// Replaces the featured products (ids as sent; each must be a product catalog has).
    pub async fn set_featured(&self, ids: &[String]) -> Done<Vec<Uuid>> {
        if ids.len() > MAX_FEATURED {
            return refuse(Refusal::InvalidValue(
                crate::refusal::Field::Value,
                format!("at most {MAX_FEATURED} featured products"),
            ));
        }
        let scope = self.scope(&[], ids).await?;
        // Keep the order as sent (the scope sorts), without repeats.
        let mut ordered: Vec<Uuid> = Vec::new();
        for id in ids.iter().filter_map(|id| Uuid::parse_str(id).ok()) {
            if scope.products.contains(&id) && !ordered.contains(&id) {
                ordered.push(id);
            }
        }
        let txn = begin_write(&self.db).await?;
        store::set_featured(&txn, &ordered).await?;
        txn.commit().await?;
        self.home_cache.invalidate().await;
        Ok(ordered)
    }
}

/// `YYYY-MM-DD` of an instant (UTC).
pub fn day_of(at: DateTime<Utc>) -> String {
    at.format("%Y-%m-%d").to_string()
}

/// Catalog announced a product (new or changed).
pub async fn product_known_in(
    conn: &impl ConnectionTrait,
    product: &CatalogProduct,
    archived: bool,
) -> Result<(), DbErr> {
    store::remember_product(
        conn,
        known_product::Model {
            product_id: product.id,
            category_ids: ids_json(&product.category_ids),
            created_at: product.created_at,
            archived,
        },
    )
    .await
}

pub async fn product_archived_in(conn: &impl ConnectionTrait, id: Uuid) -> Result<(), DbErr> {
    store::archive_product(conn, id).await
}

/// An order was placed: its products wait for its payment (or, paid already, are sold).
pub async fn placed_in(conn: &impl ConnectionTrait, order: &OrderPlaced) -> Result<(), DbErr> {
    let mut lines: Vec<placed_line::Model> = Vec::new();
    for item in &order.items {
        match lines.iter_mut().find(|l| l.product_id == item.product_id) {
            Some(line) => line.quantity += item.quantity,
            None => lines.push(placed_line::Model {
                order_id: order.order_id,
                product_id: item.product_id,
                customer_id: order.customer_id,
                quantity: item.quantity,
            }),
        }
    }
    store::remember_placed(conn, lines).await?;
    // Events can come in any order: a payment heard first settles the sale now.
    if let Some(paid_at) = store::take_paid(conn, order.order_id).await? {
        count_sold(conn, order.order_id, paid_at).await?;
    }
    Ok(())
}

/// An order was paid at `at`: its products count as sold that day and as bought by the
/// customer.
pub async fn sold_in(
    conn: &impl ConnectionTrait,
    order: &OrderRef,
    at: DateTime<Utc>,
) -> Result<(), DbErr> {
    if !count_sold(conn, order.order_id, at).await? {
        // Not placed yet as far as marketing knows: its placement will count it.
        store::remember_paid(conn, order.order_id, at).await?;
    }
    Ok(())
}

/// Counts a placed order's products as sold at `at`; false when none were waiting.
async fn count_sold(
    conn: &impl ConnectionTrait,
    order_id: Uuid,
    at: DateTime<Utc>,
) -> Result<bool, DbErr> {
    let day = day_of(at);
    let lines = store::take_placed(conn, order_id).await?;
    for line in &lines {
        store::add_sale(conn, line.product_id, &day, line.quantity).await?;
        store::remember_purchase(conn, line.customer_id, line.product_id, at).await?;
    }
    Ok(!lines.is_empty())
}

/// An order was cancelled: its products will not be sold.
pub async fn unsold_in(conn: &impl ConnectionTrait, order: &OrderRef) -> Result<(), DbErr> {
    store::take_placed(conn, order.order_id).await?;
    store::take_paid(conn, order.order_id).await.map(|_| ())
}
