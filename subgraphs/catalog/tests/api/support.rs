//! A catalog subgraph on a free port, and tokens for an admin and a customer.

#![allow(dead_code)]

use std::collections::BTreeSet;

use micromall_kit::auth::Keys;
use micromall_kit::testing::{Backend, TestDatabase, TestSubgraph, settings_for, start_subgraph};
use serde_json::{Value, json};
use uuid::Uuid;

pub struct Catalog {
    pub subgraph: TestSubgraph,
    pub db: TestDatabase,
    pub http: reqwest::Client,
    pub admin: String,
    pub customer: String,
}

impl Catalog {
    pub async fn start(backend: Backend) -> Self {
        let db = TestDatabase::create(backend).await.expect("database");
        let settings = settings_for(&db, "catalog");
        // Tokens as accounts would issue them, signed with the key this test's data dir holds.
        let keys = Keys::load(&settings, true).expect("keys");
        let issuer = keys.issuer(&settings).expect("issuer");
        let admin = issuer
            .issue(
                Uuid::now_v7(),
                &BTreeSet::from(["catalog:write".to_owned()]),
            )
            .unwrap()
            .token;
        let customer = issuer
            .issue(Uuid::now_v7(), &BTreeSet::new())
            .unwrap()
            .token;
        let subgraph = start_subgraph(&micromall_catalog::SUBGRAPH, settings).await;
        Self {
            subgraph,
            db,
            http: reqwest::Client::new(),
            admin,
            customer,
        }
    }

    pub async fn gql(&self, query: &str, variables: Value, token: Option<&str>) -> Value {
        let mut request = self
            .http
            .post(self.subgraph.url())
            .json(&json!({ "query": query, "variables": variables }));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        request
            .send()
            .await
            .expect("request")
            .json()
            .await
            .expect("JSON")
    }

    pub async fn create_category(&self, name: &str, parent: Option<&str>) -> String {
        let body = self
            .gql(
                "mutation($i: CreateCategoryInput!) { createCategory(input: $i) { category { id } userErrors { code } } }",
                json!({ "i": { "name": name, "parentId": parent } }),
                Some(&self.admin),
            )
            .await;
        body["data"]["createCategory"]["category"]["id"]
            .as_str()
            .unwrap_or_else(|| panic!("category not created: {body}"))
            .to_owned()
    }

    pub async fn create_product(&self, input: Value) -> Value {
        self.gql(
            "mutation($i: CreateProductInput!) { createProduct(input: $i) { product { id slug name price { amount currency } category { id name } tags variants { id sku price { amount } attributes { name value } } } userErrors { field code message } } }",
            json!({ "i": input }),
            Some(&self.admin),
        )
        .await
    }
}

/// A product input with two variants.
pub fn shoe(name: &str, sku_prefix: &str, category: Option<&str>) -> Value {
    json!({
        "name": name,
        "description": "Light running shoe with a breathable mesh upper.",
        "categoryId": category,
        "tags": ["Running", "sale"],
        "images": [{ "url": "https://cdn.example.com/shoe.jpg", "alt": "A shoe" }],
        "variants": [
            { "sku": format!("{sku_prefix}-42"), "name": "Size 42", "price": "89.90", "attributes": [{ "name": "Size", "value": "42" }] },
            { "sku": format!("{sku_prefix}-43"), "name": "Size 43", "price": "79.50", "attributes": [{ "name": "Size", "value": "43" }] },
        ],
    })
}

pub fn codes(payload: &Value) -> Vec<String> {
    payload["userErrors"]
        .as_array()
        .map(|e| {
            e.iter()
                .map(|e| e["code"].as_str().unwrap_or("").to_owned())
                .collect()
        })
        .unwrap_or_default()
}

pub fn error_code(body: &Value) -> &str {
    body["errors"][0]["extensions"]["code"]
        .as_str()
        .unwrap_or("<none>")
}
