//! A whole shop around shipping for each test: catalog, inventory, cart, orders, payments and
//! shipping on one event bus, the payment sandbox (so orders are really paid) and the carrier
//! sandbox (so parcels really travel) on free ports, and the calls a client makes.

use std::time::Duration;

use micromall_kit::SubgraphDef;
use micromall_kit::testing::{Backend, TestStack, eventually};
use micromall_shipping::sandbox::journey::Quirks;
use micromall_shipping::sandbox::{service as carrier, signature};
use serde_json::{Value, json};
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

pub const CARRIER_SECRET: &str = "shipping-api-test-carrier-secret";
const PAYMENT_SECRET: &str = "shipping-api-test-payment-secret";
/// Long enough for a loaded machine; a healthy stack settles in well under a second.
pub const WAIT: Duration = Duration::from_secs(20);

/// What a client reads of a shipment.
pub const SHIPMENT: &str = "id carrier trackingNumber status labelUrl estimatedDelivery \
    order { id } lines { orderLineId sku quantity } \
    events { status description location occurredAt }";

const SHOP: &[&SubgraphDef] = &[
    &micromall_catalog::SUBGRAPH,
    &micromall_inventory::SUBGRAPH,
    &micromall_cart::SUBGRAPH,
    &micromall_orders::SUBGRAPH,
    &micromall_marketing::SUBGRAPH,
    &micromall_payments::SUBGRAPH,
    &micromall_shipping::SUBGRAPH,
];

/// How the carrier sandbox behaves in a test.
#[derive(Clone, Copy)]
pub enum Parcels {
    /// Labels are sold but no scan is ever reported: the test reports scans itself.
    Silent,
    /// Parcels travel fast, with every quirk a real carrier has.
    Travelling,
}

pub struct Shop {
    pub stack: TestStack,
    /// With `catalog:write`, `inventory:write`, `fulfillment:write` and `orders:manage`.
    pub staff: String,
    shutdown: CancellationToken,
}

/// A signed-in customer.
pub struct Customer {
    pub id: Uuid,
    pub token: String,
}

/// A paid order: its id, its customer and its lines' ids in order.
pub struct PaidOrder {
    pub id: String,
    pub customer: Customer,
    pub lines: Vec<String>,
}

impl Shop {
    pub async fn start(backend: Backend, parcels: Parcels) -> Self {
        let payments_listener = free_listener().await;
        let carrier_listener = free_listener().await;
        let (payments_addr, carrier_addr) = (
            payments_listener.local_addr().expect("bound"),
            carrier_listener.local_addr().expect("bound"),
        );
        let stack = TestStack::start(backend, SHOP, |s| {
            s.payments.sandbox.secret = Some(PAYMENT_SECRET.into());
            s.payments.sandbox.listen = payments_addr;
            s.shipping.sandbox.secret = Some(CARRIER_SECRET.into());
            s.shipping.sandbox.listen = carrier_addr;
        })
        .await;
        let shutdown = CancellationToken::new();
        tokio::spawn(micromall_payments::sandbox::processor::serve(
            payments_listener,
            PAYMENT_SECRET.as_bytes().to_vec(),
            micromall_payments::sandbox::processor::Behaviour {
                delay: Duration::from_millis(100),
                duplicate_rate: 0.0,
                late_rate: 0.0,
                ..Default::default()
            },
            shutdown.clone(),
        ));
        let behaviour = match parcels {
            Parcels::Silent => carrier::Behaviour {
                scan_interval: Duration::from_secs(1),
                quirks: Quirks::default(),
                reports_scans: false,
            },
            Parcels::Travelling => carrier::Behaviour {
                scan_interval: Duration::from_millis(60),
                quirks: Quirks {
                    exception_rate: 0.5,
                    duplicate_rate: 0.5,
                    swap_rate: 0.5,
                    late_rate: 0.5,
                },
                reports_scans: true,
            },
        };
        tokio::spawn(carrier::serve(
            carrier_listener,
            CARRIER_SECRET.as_bytes().to_vec(),
            behaviour,
            shutdown.clone(),
        ));
        let staff = stack.token(&[
            "catalog:write",
            "inventory:write",
            "fulfillment:write",
            "orders:manage",
        ]);
        Self {
            stack,
            staff,
            shutdown,
        }
    }

    /// Every `shipping.shipment.delivered` published from now on.
    pub async fn deliveries(
        &self,
    ) -> tokio::sync::mpsc::UnboundedReceiver<micromall_kit::events::Event> {
        self.stack
            .record(&[micromall_kit::contracts::shipping::DELIVERED])
            .await
    }

    pub fn customer(&self) -> Customer {
        let (id, token) = self.stack.new_user(&[]);
        Customer { id, token }
    }

    /// A GraphQL call to one subgraph; the whole response.
    pub async fn gql(&self, subgraph: &str, query: &str, variables: Value, token: &str) -> Value {
        // An empty token is an anonymous caller.
        let token = Some(token).filter(|t| !t.is_empty());
        self.stack
            .client(subgraph)
            .gql(query, variables, token)
            .await
    }

    /// Like [`Shop::gql`] for calls that must not fail outright: the data at `field`.
    pub async fn data(
        &self,
        subgraph: &str,
        field: &str,
        query: &str,
        variables: Value,
        token: &str,
    ) -> Value {
        let body = self.gql(subgraph, query, variables, token).await;
        assert!(body.get("errors").is_none(), "{subgraph} {field}: {body}");
        body["data"][field].clone()
    }

    /// A product of one variant at `price` weighing `grams`, 100 in stock; its variant id.
    pub async fn variant(&self, price: &str, grams: Option<i32>) -> String {
        let created = self
            .data(
                "catalog",
                "createProduct",
                "mutation($i: CreateProductInput!) { createProduct(input: $i) { product { variants { id } } userErrors { code } } }",
                json!({ "i": {
                    "name": format!("Parcel {}", Uuid::now_v7().simple()),
                    "description": "Shipped in the shipping tests.",
                    "variants": [{
                        "sku": format!("SHIP-{}", Uuid::now_v7().simple()),
                        "name": "Standard", "price": price, "weightGrams": grams,
                    }],
                } }),
                &self.staff,
            )
            .await;
        let variant = created["product"]["variants"][0]["id"]
            .as_str()
            .unwrap_or_else(|| panic!("product not created: {created}"))
            .to_owned();
        let stocked = self
            .data(
                "inventory",
                "setStock",
                "mutation($v: ID!, $q: Int!) { setStock(variantId: $v, quantity: $q) { userErrors { code } } }",
                json!({ "v": variant, "q": 100 }),
                &self.staff,
            )
            .await;
        assert_eq!(stocked["userErrors"], json!([]), "{stocked}");
        variant
    }

    /// A zone; its id.
    pub async fn zone(&self, name: &str, countries: &[&str]) -> String {
        let made = self
            .data(
                "shipping",
                "createShippingZone",
                "mutation($i: ShippingZoneInput!) { createShippingZone(input: $i) { zone { id } userErrors { code field message } } }",
                json!({ "i": { "name": name, "countries": countries } }),
                &self.staff,
            )
            .await;
        made["zone"]["id"]
            .as_str()
            .unwrap_or_else(|| panic!("zone not made: {made}"))
            .to_owned()
    }

    /// `createShippingMethod` with `input` (zoneId added); its payload.
    pub async fn create_method(&self, zone: &str, mut input: Value) -> Value {
        input["zoneId"] = json!(zone);
        self.data(
            "shipping",
            "createShippingMethod",
            "mutation($i: ShippingMethodInput!) { createShippingMethod(input: $i) { zone { id methods { id name kind price { amount } freeAbove { amount } weightBands { upToGrams price { amount } } minDeliveryDays maxDeliveryDays active } } userErrors { code field message } } }",
            json!({ "i": input }),
            &self.staff,
        )
        .await
    }

    /// A method in `zone`; its id.
    pub async fn method(&self, zone: &str, input: Value) -> String {
        let name = input["name"].clone();
        let made = self.create_method(zone, input).await;
        made["zone"]["methods"]
            .as_array()
            .and_then(|all| all.iter().find(|m| m["name"] == name))
            .and_then(|m| m["id"].as_str())
            .unwrap_or_else(|| panic!("method not made: {made}"))
            .to_owned()
    }

    /// Puts `lines` (variant, quantity) in the customer's cart.
    pub async fn fill_cart(&self, customer: &Customer, lines: &[(&str, i32)]) {
        for (variant, quantity) in lines {
            let added = self
                .data(
                    "cart",
                    "addToCart",
                    "mutation($v: ID!, $q: Int!) { addToCart(variantId: $v, quantity: $q) { userErrors { code } } }",
                    json!({ "v": variant, "q": quantity }),
                    &customer.token,
                )
                .await;
            assert_eq!(added["userErrors"], json!([]), "{added}");
        }
    }

    /// `checkout` to an address in `country` with `method` (or none); its payload.
    pub async fn checkout(
        &self,
        customer: &Customer,
        country: &str,
        method: Option<&str>,
    ) -> Value {
        self.data(
            "orders",
            "checkout",
            "mutation($i: CheckoutInput!) { checkout(input: $i) { order { id status subtotal { amount } shippingCost { amount } total { amount } estimatedDelivery createdAt lines { id } } userErrors { code field message } } }",
            json!({ "i": {
                "idempotencyKey": Uuid::now_v7().to_string(),
                "shippingMethodId": method,
                "shippingAddress": {
                    "name": "Grace Hopper", "line1": "1 Harbor Way", "city": "Arlington",
                    "postalCode": "22201", "country": country,
                },
            } }),
            &customer.token,
        )
        .await
    }

    /// A new customer's order of `lines`, checked out to the US and paid through the
    /// payment sandbox.
    pub async fn paid_order(&self, lines: &[(&str, i32)]) -> PaidOrder {
        let customer = self.customer();
        self.fill_cart(&customer, lines).await;
        let placed = self.checkout(&customer, "US", None).await;
        let order = &placed["order"];
        let id = order["id"]
            .as_str()
            .unwrap_or_else(|| panic!("not placed: {placed}"))
            .to_owned();
        let lines = order["lines"]
            .as_array()
            .unwrap()
            .iter()
            .map(|l| l["id"].as_str().unwrap().to_owned())
            .collect();
        let paid = self
            .data(
                "payments",
                "payOrder",
                "mutation($i: PayOrderInput!) { payOrder(input: $i) { payment { id } userErrors { code } } }",
                json!({ "i": {
                    "orderId": id, "provider": "sandbox", "paymentMethodToken": "sandbox_ok",
                    "idempotencyKey": Uuid::now_v7().to_string(),
                } }),
                &customer.token,
            )
            .await;
        assert_eq!(paid["userErrors"], json!([]), "{paid}");
        let order = PaidOrder {
            id,
            customer,
            lines,
        };
        self.order_reaches(&order.id, "PAID").await;
        order
    }

    /// The order's status, as staff read it.
    pub async fn order_status(&self, id: &str) -> String {
        let order = self
            .data(
                "orders",
                "order",
                "query($id: ID!) { order(id: $id) { status } }",
                json!({ "id": id }),
                &self.staff,
            )
            .await;
        order["status"].as_str().unwrap_or_default().to_owned()
    }

    /// Waits for the order to reach `status`.
    pub async fn order_reaches(&self, id: &str, status: &str) {
        let reached = eventually(WAIT, || async { self.order_status(id).await == status }).await;
        assert!(
            reached,
            "the order never became {status}; it is {}",
            self.order_status(id).await
        );
    }

    /// `createShipment` by staff; its payload.
    pub async fn ship(&self, order: &str, lines: Option<Value>) -> Value {
        self.ship_as(&self.staff, order, lines).await["data"]["createShipment"].clone()
    }

    /// `createShipment` as `who`; the whole response.
    pub async fn ship_as(&self, who: &str, order: &str, lines: Option<Value>) -> Value {
        self.gql(
            "shipping",
            &format!(
                "mutation($i: CreateShipmentInput!) {{ createShipment(input: $i) {{ shipment {{ {SHIPMENT} }} userErrors {{ code field message }} }} }}"
            ),
            json!({ "i": { "orderId": order, "carrier": "sandbox", "lines": lines } }),
            who,
        )
        .await
    }

    /// `trackShipment` as `who`; the shipment or null.
    pub async fn track(&self, who: &str, tracking_number: &str) -> Value {
        self.data(
            "shipping",
            "trackShipment",
            &format!("query($t: String!) {{ trackShipment(trackingNumber: $t) {{ {SHIPMENT} }} }}"),
            json!({ "t": tracking_number }),
            who,
        )
        .await
    }

    /// `Order.shipments` as the router resolves it from shipping, for `who`.
    pub async fn shipments_of(&self, who: &str, order: &str) -> Vec<Value> {
        let entities = self
            .data(
                "shipping",
                "_entities",
                &format!(
                    "query($r: [_Any!]!) {{ _entities(representations: $r) {{ ... on Order {{ shipments {{ {SHIPMENT} }} shipment {{ id }} }} }} }}"
                ),
                json!({ "r": [{ "__typename": "Order", "id": order }] }),
                who,
            )
            .await;
        entities[0]["shipments"]
            .as_array()
            .cloned()
            .unwrap_or_default()
    }

    /// POSTs a carrier callback to shipping's sandbox webhook, signed `age_secs` ago with
    /// `secret`; the HTTP status.
    pub async fn callback(&self, secret: &str, age_secs: i64, body: &[u8]) -> u16 {
        let header = signature::sign(
            secret.as_bytes(),
            chrono::Utc::now().timestamp() - age_secs,
            body,
        );
        self.raw_callback(Some(&header), body).await
    }

    pub async fn raw_callback(&self, signature_header: Option<&str>, body: &[u8]) -> u16 {
        let mut request = reqwest::Client::new()
            .post(format!(
                "{}/webhooks/carriers/sandbox",
                self.stack.base_url("shipping")
            ))
            .header("content-type", "application/json")
            .body(body.to_vec());
        if let Some(header) = signature_header {
            request = request.header(signature::HEADER, header);
        }
        request
            .send()
            .await
            .expect("shipping answers")
            .status()
            .as_u16()
    }
}

impl Drop for Shop {
    fn drop(&mut self) {
        self.shutdown.cancel();
    }
}

async fn free_listener() -> TcpListener {
    TcpListener::bind(("127.0.0.1", 0))
        .await
        .expect("a free port")
}

/// A scan as the sandbox carrier reports it, `minutes` after a fixed start.
pub fn scan(event_id: &str, shipment: &Value, status: &str, minutes: i64) -> Vec<u8> {
    let at = chrono::DateTime::parse_from_rfc3339("2026-11-30T09:00:00Z").unwrap()
        + chrono::TimeDelta::minutes(minutes);
    json!({
        "id": event_id,
        "type": "tracking.updated",
        "created": chrono::Utc::now().timestamp(),
        "data": {
            "trackingNumber": shipment["trackingNumber"],
            "reference": shipment["id"],
            "status": status,
            "description": format!("{status} scan"),
            "location": "Test depot",
            "occurredAt": at.to_rfc3339(),
        },
    })
    .to_string()
    .into_bytes()
}

/// The statuses of a shipment's timeline, in the order shown.
pub fn timeline(shipment: &Value) -> Vec<String> {
    shipment["events"]
        .as_array()
        .map(|all| {
            all.iter()
                .map(|e| e["status"].as_str().unwrap_or_default().to_owned())
                .collect()
        })
        .unwrap_or_default()
}

/// The error codes of a payload.
pub fn codes(payload: &Value) -> Vec<String> {
    micromall_kit::testing::codes(payload)
}
