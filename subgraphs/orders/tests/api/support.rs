//! A real shop around orders: catalog, inventory, cart, orders and shipping (checkout asks it
//! what delivery costs; with no zones it is free) in one stack (one event
//! bus, so a placed order empties the cart and a cancelled one gives its stock back), with
//! an admin who stocks it and signed-in customers whose ids the tests know.

use std::time::Duration;

use micromall_kit::config::Settings;
use micromall_kit::testing::{Backend, GraphqlClient, TestStack, eventually};
use serde_json::{Value, json};
use uuid::Uuid;

/// What the tests read of an order.
pub const ORDER_FIELDS: &str = "id number status customer { id } \
    lines { variant { id } sku productName quantity unitPrice { amount currency } lineTotal { amount currency } } \
    subtotal { amount currency } total { amount currency } shippingAddress { name line1 city postalCode country } \
    paymentDueAt statusHistory { from to cause }";

/// How long events and the payment-timeout sweeper get to show their effect.
pub const SETTLE: Duration = Duration::from_secs(10);

pub struct Shop {
    /// The subgraphs (running until the shop is dropped) and the keys that sign customers'
    /// tokens.
    stack: TestStack,
    pub orders: GraphqlClient,
    catalog: GraphqlClient,
    inventory: GraphqlClient,
    cart: GraphqlClient,
    /// May write the catalog and the stock.
    admin: String,
    /// Staff with `orders:manage`.
    pub staff: String,
}

/// A signed-in customer without any scope.
pub struct Customer {
    pub id: Uuid,
    pub token: String,
}

impl Shop {
    pub async fn start(backend: Backend) -> Self {
        Self::start_with(backend, |_| {}).await
    }

    /// The shop with settings adjusted by `tweak` (the payment timeout, the cap on unpaid
    /// orders, ...).
    pub async fn start_with(backend: Backend, tweak: impl FnOnce(&mut Settings)) -> Self {
        let stack = TestStack::start(
            backend,
            &[
                &micromall_catalog::SUBGRAPH,
                &micromall_inventory::SUBGRAPH,
                &micromall_cart::SUBGRAPH,
                &micromall_orders::SUBGRAPH,
                &micromall_marketing::SUBGRAPH,
                &micromall_shipping::SUBGRAPH,
            ],
            tweak,
        )
        .await;
        Self {
            orders: stack.client("orders"),
            catalog: stack.client("catalog"),
            inventory: stack.client("inventory"),
            cart: stack.client("cart"),
            admin: stack.token(&["catalog:write", "inventory:write"]),
            staff: stack.token(&["orders:manage"]),
            stack,
        }
    }

    /// A new customer; tokens from `stack.token` hide the user id, which `User.orders` needs.
    pub fn customer(&self) -> Customer {
        let (id, token) = self.stack.new_user(&[]);
        Customer { id, token }
    }

    /// A one-variant product at `price` with `stock` on hand: the variant's id.
    pub async fn variant(&self, name: &str, price: &str, stock: i64) -> String {
        let sku = format!("SKU-{}", Uuid::now_v7().simple());
        let created = applied(
            &self.catalog,
            "mutation($i: CreateProductInput!) { createProduct(input: $i) { product { variants { id } } userErrors { code } } }",
            json!({ "i": {
                "name": name,
                "description": "Sold in the orders tests.",
                "variants": [{ "sku": sku, "name": "Standard", "price": price }],
            } }),
            &self.admin,
            "createProduct",
        )
        .await;
        let variant = created["product"]["variants"][0]["id"]
            .as_str()
            .unwrap_or_else(|| panic!("product not created: {created}"))
            .to_owned();
        self.set_stock(&variant, stock).await;
        variant
    }

    pub async fn set_stock(&self, variant: &str, quantity: i64) {
        applied(
            &self.inventory,
            "mutation($v: ID!, $q: Int!) { setStock(variantId: $v, quantity: $q) { userErrors { code } } }",
            json!({ "v": variant, "q": quantity }),
            &self.admin,
            "setStock",
        )
        .await;
    }

    /// What inventory offers of a variant: on hand minus what orders hold.
    pub async fn available(&self, variant: &str) -> i64 {
        let body = self
            .inventory
            .gql(
                "query($r: [_Any!]!) { _entities(representations: $r) { ... on ProductVariant { stock { available } } } }",
                json!({ "r": [{ "__typename": "ProductVariant", "id": variant }] }),
                None,
            )
            .await;
        body["data"]["_entities"][0]["stock"]["available"]
            .as_i64()
            .unwrap_or_else(|| panic!("no stock: {body}"))
    }

    /// Waits for inventory to offer `expected` of the variant (events travel on their own).
    pub async fn assert_available_becomes(&self, variant: &str, expected: i64) {
        let reached = eventually(SETTLE, || async {
            self.available(variant).await == expected
        })
        .await;
        assert!(
            reached,
            "available stayed {} instead of {expected}",
            self.available(variant).await
        );
    }

    pub async fn add_to_cart(&self, who: &Customer, variant: &str, quantity: i64) {
        applied(
            &self.cart,
            "mutation($v: ID!, $q: Int!) { addToCart(variantId: $v, quantity: $q) { userErrors { code } } }",
            json!({ "v": variant, "q": quantity }),
            &who.token,
            "addToCart",
        )
        .await;
    }

    /// How many items the customer's cart holds (0 without a cart).
    pub async fn items_in_cart(&self, who: &Customer) -> i64 {
        let cart = answered(
            &self.cart,
            "{ cart { itemCount } }",
            json!({}),
            Some(&who.token),
            "cart",
        )
        .await;
        cart["itemCount"].as_i64().unwrap_or(0)
    }

    /// `checkout` to `address` as `token`: the whole response.
    pub async fn checkout_as(&self, token: Option<&str>, key: &str, address: Value) -> Value {
        self.orders
            .gql(
                &format!(
                    "mutation($i: CheckoutInput!) {{ checkout(input: $i) {{ order {{ {ORDER_FIELDS} }} userErrors {{ field message code }} }} }}"
                ),
                json!({ "i": { "shippingAddress": address, "idempotencyKey": key } }),
                token,
            )
            .await
    }

    /// `checkout` by the customer to `address`: its payload.
    pub async fn checkout_to(&self, who: &Customer, key: &str, address: Value) -> Value {
        let body = self.checkout_as(Some(&who.token), key, address).await;
        assert!(body.get("errors").is_none(), "{body}");
        body["data"]["checkout"].clone()
    }

    /// `checkout` by the customer to the usual address: its payload.
    pub async fn checkout(&self, who: &Customer, key: &str) -> Value {
        self.checkout_to(who, key, address()).await
    }

    /// Fills the cart with `quantity` of `variant` and checks out: the order, which must exist.
    pub async fn place_order(&self, who: &Customer, variant: &str, quantity: i64) -> Value {
        self.add_to_cart(who, variant, quantity).await;
        let placed = self.checkout(who, &Uuid::now_v7().to_string()).await;
        assert!(placed["order"].is_object(), "no order: {placed}");
        placed["order"].clone()
    }

    /// `order(id)` as `token`: the order or null, failing on any top-level error.
    pub async fn order(&self, token: &str, id: &str) -> Value {
        answered(
            &self.orders,
            &format!("query($id: ID!) {{ order(id: $id) {{ {ORDER_FIELDS} }} }}"),
            json!({ "id": id }),
            Some(token),
            "order",
        )
        .await
    }

    /// `cancelOrder` as `token`: its payload.
    pub async fn cancel(&self, token: &str, id: &str) -> Value {
        answered(
            &self.orders,
            &format!(
                "mutation($id: ID!) {{ cancelOrder(id: $id) {{ order {{ {ORDER_FIELDS} }} userErrors {{ field message code }} }} }}"
            ),
            json!({ "id": id }),
            Some(token),
            "cancelOrder",
        )
        .await
    }

    /// `orders(status)`, the staff listing, as `token`: the whole response.
    pub async fn all_orders(&self, token: &str, status: Option<&str>) -> Value {
        self.orders
            .gql(
                "query($s: OrderStatus) { orders(status: $s) { totalCount nodes { id status } } }",
                json!({ "s": status }),
                Some(token),
            )
            .await
    }

    /// `User.orders` of `user` as the router asks for `me { orders }`: the whole response.
    pub async fn orders_of(&self, user: Uuid, token: Option<&str>) -> Value {
        self.orders
            .gql(
                "query($r: [_Any!]!) { _entities(representations: $r) { ... on User { orders { totalCount nodes { id status } } } } }",
                json!({ "r": [{ "__typename": "User", "id": user }] }),
                token,
            )
            .await
    }
}

/// `query` on `client` as `token`, failing on any top-level error: `data.<field>`.
async fn answered(
    client: &GraphqlClient,
    query: &str,
    variables: Value,
    token: Option<&str>,
    field: &str,
) -> Value {
    let body = client.gql(query, variables, token).await;
    assert!(body.get("errors").is_none(), "{body}");
    body["data"][field].clone()
}

/// A mutation the test builds on, failing unless `field` answers without `userErrors`: its
/// payload.
async fn applied(
    client: &GraphqlClient,
    query: &str,
    variables: Value,
    token: &str,
    field: &str,
) -> Value {
    let payload = answered(client, query, variables, Some(token), field).await;
    assert_eq!(
        payload["userErrors"],
        json!([]),
        "{field} refused: {payload}"
    );
    payload
}

/// A parcel's address that passes every check.
pub fn address() -> Value {
    json!({
        "name": "Ada Lovelace", "line1": "12 Analytical St", "city": "London",
        "postalCode": "N1 9GU", "country": "GB",
    })
}

/// The order's id.
pub fn id(order: &Value) -> &str {
    order["id"]
        .as_str()
        .unwrap_or_else(|| panic!("not an order: {order}"))
}

/// The ids of a connection's nodes, in order.
pub fn ids(connection: &Value) -> Vec<&str> {
    connection["nodes"]
        .as_array()
        .unwrap_or_else(|| panic!("not a connection: {connection}"))
        .iter()
        .map(id)
        .collect()
}

/// The `field` paths of a payload's `userErrors`, in order.
pub fn fields(payload: &Value) -> Vec<Value> {
    payload["userErrors"]
        .as_array()
        .map(|errors| errors.iter().map(|e| e["field"].clone()).collect())
        .unwrap_or_default()
}

/// Why the order last changed status.
pub fn last_cause(order: &Value) -> &str {
    order["statusHistory"]
        .as_array()
        .and_then(|history| history.last())
        .and_then(|step| step["cause"].as_str())
        .unwrap_or_else(|| panic!("no history: {order}"))
}

/// Asserts two readings of one order show the same order, to the last digit (checkout
/// answers with the order as it is stored).
pub fn assert_same_order(read: &Value, expected: &Value) {
    assert_eq!(read, expected, "{read} vs {expected}");
}
