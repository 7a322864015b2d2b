//! A catalog and an inventory subgraph on free ports, sharing one data directory (so they
//! trust the same keys), with tokens for a stock keeper and a customer.

#![allow(dead_code)]

use std::time::Duration;

use chrono::Utc;
use micromall_kit::config::Settings;
use micromall_kit::contracts::orders::OrderRef;
use micromall_kit::events::Event;
use micromall_kit::testing::{
    Backend, TestDatabase, TestSubgraph, access_token, internal_call, service_token, settings_for,
    start_subgraph,
};
pub use micromall_kit::testing::{codes, error_code, eventually};
use sea_orm::sea_query::{Alias, Expr, ExprTrait, Order, Query};
use sea_orm::{ConnectionTrait, DatabaseConnection};
use serde_json::{Value, json};
use uuid::Uuid;

pub struct Shop {
    pub settings: Settings,
    pub inventory: TestSubgraph,
    pub catalog: TestSubgraph,
    pub db: TestDatabase,
    pub catalog_db: TestDatabase,
    /// `catalog:write` and `inventory:write`.
    pub admin: String,
    pub customer: String,
    /// What orders presents to inventory's internal endpoints.
    pub service_token: String,
}

/// One ledger line as the test reads it back.
#[derive(Debug, Clone)]
pub struct Movement {
    pub kind: String,
    pub quantity: i64,
    pub on_hand_after: i64,
    pub reserved_after: i64,
    pub warehouse_id: Option<Uuid>,
    pub reference: Option<Uuid>,
    pub note: Option<String>,
}

impl Shop {
    pub async fn start(backend: Backend) -> Self {
        Self::start_with(backend, None).await
    }

    /// Inventory pointed at `catalog_url` instead of the running catalog.
    pub async fn start_with(backend: Backend, catalog_url: Option<&str>) -> Self {
        let db = TestDatabase::create(backend).await.expect("database");
        let catalog_db = TestDatabase::create(backend).await.expect("database");
        let mut settings = settings_for(&db, "inventory");
        settings
            .database_urls
            .insert("catalog".into(), catalog_db.url.clone());
        let admin = access_token(&settings, &["catalog:write", "inventory:write"]);
        let customer = access_token(&settings, &[]);
        let service_token = service_token(&settings, "orders", "inventory");

        let catalog = start_subgraph(&micromall_catalog::SUBGRAPH, settings.clone()).await;
        let catalog_url = catalog_url.map_or_else(|| catalog.base_url(), str::to_owned);
        settings.service_urls.insert("catalog".into(), catalog_url);
        let inventory = start_subgraph(&micromall_inventory::SUBGRAPH, settings.clone()).await;
        Self {
            settings,
            inventory,
            catalog,
            db,
            catalog_db,
            admin,
            customer,
            service_token,
        }
    }

    /// An access token with these scopes, as accounts would issue it.
    pub fn token(&self, scopes: &[&str]) -> String {
        access_token(&self.settings, scopes)
    }

    pub fn database(&self) -> &DatabaseConnection {
        &self.inventory.running().runtime.db
    }

    /// A GraphQL request to inventory.
    pub async fn gql(&self, query: &str, variables: Value, token: Option<&str>) -> Value {
        self.inventory.client().gql(query, variables, token).await
    }

    /// A product with two variants in catalog; returns the variant ids.
    pub async fn variants(&self, name: &str) -> [Uuid; 2] {
        let sku = name.to_uppercase().replace(' ', "-");
        let body = self
            .catalog
            .client()
            .gql(
                "mutation($i: CreateProductInput!) { createProduct(input: $i) { product { variants { id } } userErrors { code } } }",
                json!({ "i": {
                    "name": name,
                    "description": "Stocked in tests.",
                    "variants": [
                        { "sku": format!("{sku}-S"), "name": "Small", "price": "10.00" },
                        { "sku": format!("{sku}-L"), "name": "Large", "price": "12.00" },
                    ],
                } }),
                Some(&self.admin),
            )
            .await;
        let variant = |i: usize| {
            body["data"]["createProduct"]["product"]["variants"][i]["id"]
                .as_str()
                .and_then(|id| Uuid::parse_str(id).ok())
                .unwrap_or_else(|| panic!("product not created: {body}"))
        };
        [variant(0), variant(1)]
    }

    /// `setStock` as the admin; returns the payload.
    pub async fn set_stock(&self, variant: &str, quantity: i64) -> Value {
        let body = self
            .gql(
                "mutation($v: ID!, $q: Int!) { setStock(variantId: $v, quantity: $q) { variant { id stock { available inStock } } userErrors { field message code } } }",
                json!({ "v": variant, "q": quantity }),
                Some(&self.admin),
            )
            .await;
        body["data"]["setStock"].clone()
    }

    /// Stocks a variant, asserting it worked.
    pub async fn stock_up(&self, variant: Uuid, quantity: i64) {
        let payload = self.set_stock(&variant.to_string(), quantity).await;
        assert_eq!(payload["userErrors"], json!([]), "{payload}");
    }

    /// `ProductVariant.stock` of each variant, as the router would fetch it.
    pub async fn stock(&self, variants: &[String]) -> Vec<Value> {
        let representations: Vec<Value> = variants
            .iter()
            .map(|id| json!({ "__typename": "ProductVariant", "id": id }))
            .collect();
        let body = self
            .gql(
                "query($r: [_Any!]!) { _entities(representations: $r) { ... on ProductVariant { id stock { available inStock } } } }",
                json!({ "r": representations }),
                None,
            )
            .await;
        body["data"]["_entities"]
            .as_array()
            .unwrap_or_else(|| panic!("no entities: {body}"))
            .iter()
            .map(|e| e["stock"].clone())
            .collect()
    }

    pub async fn available(&self, variant: Uuid) -> i64 {
        self.stock(&[variant.to_string()]).await[0]["available"]
            .as_i64()
            .expect("available")
    }

    /// POSTs to an internal endpoint, with orders' credential when `authenticated`.
    pub async fn internal(&self, path: &str, body: Value, authenticated: bool) -> (u16, Value) {
        let token = authenticated.then_some(self.service_token.as_str());
        internal_call(&self.inventory.base_url(), path, &body, token).await
    }

    /// Holds `lines` for `order` until `expires_in` from now.
    pub async fn reserve(
        &self,
        order: Uuid,
        lines: &[(Uuid, i64)],
        expires_in: Duration,
    ) -> (u16, Value) {
        let expires_at = Utc::now() + chrono::Duration::from_std(expires_in).unwrap();
        let lines: Vec<Value> = lines
            .iter()
            .map(|(v, q)| json!({ "variantId": v, "quantity": q }))
            .collect();
        self.internal(
            "reserve",
            json!({ "reservationId": order, "lines": lines, "expiresAt": expires_at }),
            true,
        )
        .await
    }

    pub async fn release(&self, order: Uuid, reason: &str) -> (u16, Value) {
        self.internal(
            "release",
            json!({ "reservationId": order, "reason": reason }),
            true,
        )
        .await
    }

    /// An order event as orders would publish it.
    pub fn order_event(subject: &str, order: Uuid) -> Event {
        Event {
            id: Uuid::now_v7(),
            subject: subject.to_owned(),
            occurred_at: Utc::now(),
            payload: serde_json::to_value(OrderRef {
                order_id: order,
                customer_id: Uuid::now_v7(),
            })
            .unwrap(),
        }
    }

    /// Delivers an event on inventory's bus; returns once inventory handled it.
    pub async fn deliver(&self, event: &Event) {
        self.inventory
            .platform
            .bus
            .publish(event)
            .await
            .expect("event handled");
    }

    /// `(on_hand, reserved)` of a variant, straight from its aggregate row.
    pub async fn totals(&self, variant: Uuid) -> (i64, i64) {
        let query = Query::select()
            .columns([Alias::new("on_hand"), Alias::new("reserved")])
            .from(Alias::new("variant_stock"))
            .and_where(Expr::col(Alias::new("variant_id")).eq(variant))
            .to_owned();
        match self.database().query_one(&query).await.expect("query") {
            Some(row) => (
                row.try_get("", "on_hand").unwrap(),
                row.try_get("", "reserved").unwrap(),
            ),
            None => (0, 0),
        }
    }

    /// The reservation's status and reason.
    pub async fn reservation(&self, order: Uuid) -> Option<(String, Option<String>)> {
        let query = Query::select()
            .columns([Alias::new("status"), Alias::new("reason")])
            .from(Alias::new("reservations"))
            .and_where(Expr::col(Alias::new("id")).eq(order))
            .to_owned();
        self.database()
            .query_one(&query)
            .await
            .expect("query")
            .map(|row| {
                (
                    row.try_get("", "status").unwrap(),
                    row.try_get("", "reason").unwrap(),
                )
            })
    }

    /// The variant's ledger, oldest first.
    pub async fn ledger(&self, variant: Uuid) -> Vec<Movement> {
        let query = Query::select()
            .columns(
                [
                    "kind",
                    "quantity",
                    "on_hand_after",
                    "reserved_after",
                    "warehouse_id",
                    "reference",
                    "note",
                ]
                .map(Alias::new),
            )
            .from(Alias::new("stock_movements"))
            .and_where(Expr::col(Alias::new("variant_id")).eq(variant))
            .order_by(Alias::new("id"), Order::Asc)
            .to_owned();
        self.database()
            .query_all(&query)
            .await
            .expect("query")
            .into_iter()
            .map(|row| Movement {
                kind: row.try_get("", "kind").unwrap(),
                quantity: row.try_get("", "quantity").unwrap(),
                on_hand_after: row.try_get("", "on_hand_after").unwrap(),
                reserved_after: row.try_get("", "reserved_after").unwrap(),
                warehouse_id: row.try_get("", "warehouse_id").unwrap(),
                reference: row.try_get("", "reference").unwrap(),
                note: row.try_get("", "note").unwrap(),
            })
            .collect()
    }

    /// Replays the variant's ledger: every line follows from the one before, the on-hand
    /// lines sum to on-hand, and the last line matches the stock now. Returns the kinds.
    pub async fn assert_ledger_explains(&self, variant: Uuid) -> Vec<String> {
        let ledger = self.ledger(variant).await;
        let (mut on_hand, mut reserved) = (0i64, 0i64);
        for m in &ledger {
            match m.kind.as_str() {
                "ADJUSTED" | "RETURNED" => on_hand += m.quantity,
                "RESERVED" | "RELEASED" => reserved += m.quantity,
                "COMMITTED" => {
                    on_hand += m.quantity;
                    // A paid hold also stops being held; a lapsed one was released before.
                    if m.note.is_none() {
                        reserved += m.quantity;
                    }
                }
                other => panic!("unknown movement kind {other}"),
            }
            assert_eq!(
                (m.on_hand_after, m.reserved_after),
                (on_hand, reserved),
                "ledger line {m:?} does not follow: {ledger:#?}"
            );
        }
        let on_hand_sum: i64 = ledger
            .iter()
            .filter(|m| ["ADJUSTED", "COMMITTED", "RETURNED"].contains(&m.kind.as_str()))
            .map(|m| m.quantity)
            .sum();
        assert_eq!(
            (on_hand_sum, reserved),
            self.totals(variant).await,
            "the ledger sums to the stock: {ledger:#?}"
        );
        ledger.into_iter().map(|m| m.kind).collect()
    }
}

pub fn hour() -> Duration {
    Duration::from_secs(3600)
}
