//! A catalog subgraph on a free port, and tokens for an admin and a customer.

#![allow(dead_code)]

use micromall_kit::testing::{
    Backend, GraphqlClient, TestDatabase, TestSubgraph, access_token, service_token, settings_for,
    start_subgraph,
};
pub use micromall_kit::testing::{codes, error_code};
use serde_json::{Value, json};

pub struct Catalog {
    pub subgraph: TestSubgraph,
    pub db: TestDatabase,
    pub client: GraphqlClient,
    pub admin: String,
    pub customer: String,
    /// What orders presents to catalog's internal endpoints.
    pub service_token: String,
}

impl Catalog {
    pub async fn start(backend: Backend) -> Self {
        let db = TestDatabase::create(backend).await.expect("database");
        let settings = settings_for(&db, "catalog");
        let admin = access_token(&settings, &["catalog:write"]);
        let customer = access_token(&settings, &[]);
        let service_token = service_token(&settings, "orders", "catalog");
        let subgraph = start_subgraph(&micromall_catalog::SUBGRAPH, settings).await;
        Self {
            client: subgraph.client(),
            subgraph,
            db,
            admin,
            customer,
            service_token,
        }
    }

    pub async fn gql(&self, query: &str, variables: Value, token: Option<&str>) -> Value {
        self.client.gql(query, variables, token).await
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
