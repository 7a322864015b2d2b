//! A real shop for the cart to talk to: catalog, inventory, marketing and cart subgraphs on
//! free ports,
//! one database each, one data directory (so all hold the same keys), and tokens for an
//! admin, customers and a calling service.

#![allow(dead_code)]

use micromall_kit::config::Settings;
use micromall_kit::testing::{
    Backend, GraphqlClient, TestDatabase, TestSubgraph, access_token, internal_call, new_user,
    service_token, settings_for, start_subgraph,
};
pub use micromall_kit::testing::{codes, error_code};
use serde_json::{Value, json};
use uuid::Uuid;

/// A port nothing listens on: a service "configured" here is down.
pub const DOWN: &str = "http://127.0.0.1:1";

/// Everything a cart view shows, for comparing whole carts.
pub const CART_FIELDS: &str = "id itemCount couponCode subtotal { amount currency } discount { amount currency } total { amount currency } lines { id quantity variant { id } unitPrice { amount currency } lineTotal { amount currency } }";

pub struct Shop {
    pub catalog: TestSubgraph,
    pub inventory: Option<TestSubgraph>,
    pub marketing: Option<TestSubgraph>,
    pub cart: TestSubgraph,
    databases: Vec<TestDatabase>,
    /// Whose keys sign customers' tokens, as accounts would.
    settings: Settings,
    /// May write the catalog and the stock.
    pub admin: String,
    /// A service credential, as orders would present it.
    pub service_token: String,
}

pub struct Customer {
    pub id: Uuid,
    pub token: String,
}

/// A product created in catalog: its id and its variants' ids, in input order.
pub struct Product {
    pub id: String,
    pub variants: Vec<String>,
}

impl Shop {
    /// Catalog, inventory and cart.
    pub async fn start(backend: Backend) -> Self {
        Self::start_with(backend, true, None, |_| {}).await
    }

    /// Catalog, inventory and cart, with cart's settings adjusted by `tweak`.
    pub async fn with_cart_settings(
        backend: Backend,
        tweak: impl FnOnce(&mut micromall_kit::config::CartSettings),
    ) -> Self {
        Self::start_with(backend, true, None, |s| tweak(&mut s.cart)).await
    }

    /// Catalog and cart; inventory is down.
    pub async fn without_inventory(backend: Backend) -> Self {
        Self::start_with(backend, false, None, |_| {}).await
    }

    /// Catalog and inventory run, but cart looks for catalog where nothing answers.
    pub async fn with_catalog_unreachable(backend: Backend) -> Self {
        Self::start_with(backend, true, Some(DOWN), |_| {}).await
    }

    async fn start_with(
        backend: Backend,
        inventory: bool,
        cart_sees_catalog_at: Option<&str>,
        tweak: impl FnOnce(&mut Settings),
    ) -> Self {
        let catalog_db = TestDatabase::create(backend).await.expect("database");
        let inventory_db = TestDatabase::create(backend).await.expect("database");
        let cart_db = TestDatabase::create(backend).await.expect("database");
        let marketing_db = TestDatabase::create(backend).await.expect("database");
        let mut settings: Settings = settings_for(&catalog_db, "catalog");
        settings
            .database_urls
            .insert("inventory".into(), inventory_db.url.clone());
        settings
            .database_urls
            .insert("cart".into(), cart_db.url.clone());
        settings
            .database_urls
            .insert("marketing".into(), marketing_db.url.clone());
        // Tokens as accounts would issue them, signed with the key this data dir holds.
        let admin = access_token(
            &settings,
            &["catalog:write", "inventory:write", "marketing:write"],
        );
        let service_token = service_token(&settings, "orders", "cart");

        let catalog = start_subgraph(&micromall_catalog::SUBGRAPH, settings.clone()).await;
        settings
            .service_urls
            .insert("catalog".into(), catalog.base_url());
        let inventory = if inventory {
            let subgraph = start_subgraph(&micromall_inventory::SUBGRAPH, settings.clone()).await;
            settings
                .service_urls
                .insert("inventory".into(), subgraph.base_url());
            Some(subgraph)
        } else {
            settings
                .service_urls
                .insert("inventory".into(), DOWN.into());
            None
        };
        let marketing = start_subgraph(&micromall_marketing::SUBGRAPH, settings.clone()).await;
        settings
            .service_urls
            .insert("marketing".into(), marketing.base_url());
        if let Some(url) = cart_sees_catalog_at {
            settings.service_urls.insert("catalog".into(), url.into());
        }
        tweak(&mut settings);
        let cart = start_subgraph(&micromall_cart::SUBGRAPH, settings.clone()).await;
        Self {
            catalog,
            inventory,
            marketing: Some(marketing),
            cart,
            databases: vec![catalog_db, inventory_db, cart_db, marketing_db],
            settings,
            admin,
            service_token,
        }
    }

    /// A new signed-in customer.
    pub fn customer(&self) -> Customer {
        let (id, token) = new_user(&self.settings, &[]);
        Customer { id, token }
    }

    /// A GraphQL request to the cart subgraph.
    pub async fn gql(&self, query: &str, variables: Value, token: Option<&str>) -> Value {
        self.cart.client().gql(query, variables, token).await
    }

    /// A GraphQL request of the admin to another subgraph.
    async fn admin_gql(&self, to: GraphqlClient, query: &str, variables: Value) -> Value {
        to.gql(query, variables, Some(&self.admin)).await
    }

    /// A product with one variant per price.
    pub async fn product(&self, name: &str, prices: &[&str]) -> Product {
        let prefix = Uuid::now_v7().simple().to_string();
        let variants: Vec<Value> = prices
            .iter()
            .enumerate()
            .map(|(i, price)| {
                json!({ "sku": format!("{name}-{prefix}-{i}"), "name": format!("Variant {i}"), "price": price })
            })
            .collect();
        let body = self
            .admin_gql(
                self.catalog.client(),
                "mutation($i: CreateProductInput!) { createProduct(input: $i) { product { id variants { id } } userErrors { code message } } }",
                json!({ "i": { "name": name, "description": "For the cart tests.", "variants": variants } }),
            )
            .await;
        let product = &body["data"]["createProduct"]["product"];
        Product {
            id: product["id"]
                .as_str()
                .unwrap_or_else(|| panic!("product not created: {body}"))
                .to_owned(),
            variants: product["variants"]
                .as_array()
                .expect("variants")
                .iter()
                .map(|v| v["id"].as_str().expect("variant id").to_owned())
                .collect(),
        }
    }

    /// One variant of a new product at `price`, with `stock` on hand.
    pub async fn variant(&self, price: &str, stock: i32) -> String {
        let product = self.product("Item", &[price]).await;
        let variant = product.variants[0].clone();
        self.set_stock(&variant, stock).await;
        variant
    }

    pub async fn set_stock(&self, variant: &str, quantity: i32) {
        let inventory = self.inventory.as_ref().expect("inventory runs");
        let body = self
            .admin_gql(
                inventory.client(),
                "mutation($v: ID!, $q: Int!) { setStock(variantId: $v, quantity: $q) { userErrors { code message } } }",
                json!({ "v": variant, "q": quantity }),
            )
            .await;
        assert_eq!(
            body["data"]["setStock"]["userErrors"],
            json!([]),
            "stock not set: {body}"
        );
    }

    pub async fn set_price(&self, variant: &str, price: &str) {
        let body = self
            .admin_gql(
                self.catalog.client(),
                "mutation($v: ID!, $p: Decimal!) { setVariantPrice(variantId: $v, price: $p) { userErrors { code } } }",
                json!({ "v": variant, "p": price }),
            )
            .await;
        assert_eq!(
            body["data"]["setVariantPrice"]["userErrors"],
            json!([]),
            "{body}"
        );
    }

    pub async fn archive(&self, product: &str) {
        let body = self
            .admin_gql(
                self.catalog.client(),
                "mutation($id: ID!) { archiveProduct(id: $id) { userErrors { code } } }",
                json!({ "id": product }),
            )
            .await;
        assert_eq!(
            body["data"]["archiveProduct"]["userErrors"],
            json!([]),
            "{body}"
        );
    }

    /// The customer's cart (`null` before their first add).
    pub async fn cart_of(&self, who: &Customer) -> Value {
        let body = self
            .gql(
                &format!("{{ cart {{ {CART_FIELDS} }} }}"),
                json!({}),
                Some(&who.token),
            )
            .await;
        assert!(body.get("errors").is_none(), "{body}");
        body["data"]["cart"].clone()
    }

    /// Runs a cart mutation for `who` and returns its payload (`{ cart, userErrors }`):
    /// `declared` are the variable definitions, `call` the field with its arguments.
    pub async fn change(
        &self,
        who: &Customer,
        declared: &str,
        call: &str,
        variables: Value,
    ) -> Value {
        let field = call.split('(').next().unwrap_or(call).trim();
        let query = format!(
            "mutation{declared} {{ {call} {{ cart {{ {CART_FIELDS} }} userErrors {{ field message code }} }} }}"
        );
        let body = self.gql(&query, variables, Some(&who.token)).await;
        assert!(body.get("errors").is_none(), "{body}");
        body["data"][field].clone()
    }

    pub async fn add(&self, who: &Customer, variant: &str, quantity: i32) -> Value {
        self.change(
            who,
            "($v: ID!, $q: Int!)",
            "addToCart(variantId: $v, quantity: $q)",
            json!({ "v": variant, "q": quantity }),
        )
        .await
    }

    pub async fn update(&self, who: &Customer, line: &str, quantity: i32) -> Value {
        self.change(
            who,
            "($l: ID!, $q: Int!)",
            "updateCartLine(lineId: $l, quantity: $q)",
            json!({ "l": line, "q": quantity }),
        )
        .await
    }

    pub async fn remove(&self, who: &Customer, line: &str) -> Value {
        self.change(
            who,
            "($l: ID!)",
            "removeCartLine(lineId: $l)",
            json!({ "l": line }),
        )
        .await
    }

    /// Stops marketing: what cart asks it from now on goes unanswered.
    pub async fn stop_marketing(&mut self) {
        if let Some(marketing) = self.marketing.take() {
            marketing.stop().await;
        }
    }

    /// A coupon made by the admin in marketing.
    pub async fn coupon(&self, input: Value) {
        let made = self
            .admin_gql(
                self.marketing.as_ref().expect("marketing runs").client(),
                "mutation($i: CreateCouponInput!) { createCoupon(input: $i) { coupon { id } userErrors { code } } }",
                json!({ "i": input }),
            )
            .await;
        assert!(made["data"]["createCoupon"]["coupon"].is_object(), "{made}");
    }

    /// POSTs to one of cart's internal endpoints; with or without the service credential.
    pub async fn internal(&self, path: &str, body: Value, authorised: bool) -> (u16, Value) {
        let token = authorised.then_some(self.service_token.as_str());
        internal_call(&self.cart.base_url(), path, &body, token).await
    }

    pub async fn snapshot(&self, who: &Customer) -> Value {
        let (status, body) = self
            .internal("snapshot", json!({ "userId": who.id }), true)
            .await;
        assert_eq!(status, 200, "{body}");
        body
    }
}

pub fn money(amount: &str) -> Value {
    json!({ "amount": amount, "currency": "USD" })
}
