//! A whole shop around payments for each test: catalog, inventory, cart, orders and payments
//! on one event bus (so a captured payment pays its order), the sandbox processor on a free
//! port calling payments back, one product in stock, and the calls a client makes.

use std::net::SocketAddr;
use std::time::Duration;

use micromall_kit::SubgraphDef;
use micromall_kit::events::outbox;
use micromall_kit::testing::{Backend, TestStack, eventually};
use micromall_payments::sandbox::{processor, signature};
use serde_json::{Value, json};
use tokio::net::TcpListener;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

pub const SANDBOX_SECRET: &str = "payments-api-test-sandbox-secret";
/// Every order is two units at 20.00.
pub const ORDER_TOTAL: &str = "40.00";
/// Long enough for a loaded machine; a healthy stack settles in well under a second.
const WAIT: Duration = Duration::from_secs(15);

/// What a client reads of a payment.
const PAYMENT: &str = "id status provider providerReference amount { amount currency } refundedAmount { amount } failureReason";

/// Payments and what it takes to have orders to pay.
const SHOP: &[&SubgraphDef] = &[
    &micromall_catalog::SUBGRAPH,
    &micromall_inventory::SUBGRAPH,
    &micromall_cart::SUBGRAPH,
    &micromall_orders::SUBGRAPH,
    &micromall_marketing::SUBGRAPH,
    &micromall_payments::SUBGRAPH,
    &micromall_shipping::SUBGRAPH,
];

pub struct Shop {
    pub stack: TestStack,
    sandbox: Sandbox,
    variant: String,
    /// Staff holding `payments:refund`.
    pub staff: String,
}

/// An order awaiting payment and the customer who placed it.
pub struct Order {
    pub customer: String,
    pub id: String,
}

impl Shop {
    pub async fn start(backend: Backend) -> Self {
        let listener = TcpListener::bind(("127.0.0.1", 0))
            .await
            .expect("a free port for the sandbox");
        let sandbox_addr = listener.local_addr().expect("bound");
        let stack = TestStack::start(backend, SHOP, |s| {
            s.payments.sandbox.secret = Some(SANDBOX_SECRET.into());
            s.payments.sandbox.listen = sandbox_addr;
        })
        .await;
        let sandbox = Sandbox::serve(listener);
        let admin = stack.token(&["catalog:write", "inventory:write"]);
        let staff = stack.token(&["payments:refund"]);
        let mut shop = Self {
            stack,
            sandbox,
            variant: String::new(),
            staff,
        };
        shop.variant = shop.stocked_variant(&admin).await;
        shop
    }

    /// Takes the sandbox processor down: payments' calls to it fail from now on.
    pub async fn stop_sandbox(&mut self) {
        self.sandbox.stop().await;
    }

    /// Brings the sandbox processor back, on its address (knowing no earlier charges).
    pub async fn restart_sandbox(&mut self) {
        let addr = self.sandbox.addr;
        let listener = TcpListener::bind(addr)
            .await
            .expect("the sandbox's port again");
        self.sandbox = Sandbox::serve(listener);
    }

    /// A GraphQL call to one subgraph; the whole response.
    pub async fn gql(&self, subgraph: &str, query: &str, variables: Value, token: &str) -> Value {
        self.stack
            .client(subgraph)
            .gql(query, variables, Some(token))
            .await
    }

    /// Like [`Shop::gql`], for calls that must not fail outright; the data at `field`.
    async fn data(
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

    /// A product of one variant at 20.00 with plenty in stock; its variant id.
    async fn stocked_variant(&self, admin: &str) -> String {
        let created = self
            .data(
                "catalog",
                "createProduct",
                "mutation($i: CreateProductInput!) { createProduct(input: $i) { product { variants { id } } userErrors { code } } }",
                json!({ "i": {
                    "name": "Walnut desk",
                    "description": "Paid for in the payments tests.",
                    "variants": [{ "sku": "DESK-1", "name": "Standard", "price": "20.00" }],
                } }),
                admin,
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
                json!({ "v": variant, "q": 1000 }),
                admin,
            )
            .await;
        assert_eq!(stocked["userErrors"], json!([]), "{stocked}");
        variant
    }

    /// A new customer's access token.
    pub fn customer(&self) -> String {
        self.stack.token(&[])
    }

    /// A new customer's order of two units (40.00), awaiting payment.
    pub async fn order(&self) -> Order {
        let customer = self.customer();
        let id = self.place_order(&customer).await;
        Order { customer, id }
    }

    /// Fills `customer`'s cart and checks it out; the order's id.
    pub async fn place_order(&self, customer: &str) -> String {
        let added = self
            .data(
                "cart",
                "addToCart",
                "mutation($v: ID!, $q: Int!) { addToCart(variantId: $v, quantity: $q) { userErrors { code } } }",
                json!({ "v": self.variant, "q": 2 }),
                customer,
            )
            .await;
        assert_eq!(added["userErrors"], json!([]), "{added}");
        let placed = self
            .data(
                "orders",
                "checkout",
                "mutation($i: CheckoutInput!) { checkout(input: $i) { order { id status total { amount } } userErrors { code } } }",
                json!({ "i": {
                    "idempotencyKey": Uuid::now_v7().to_string(),
                    "shippingAddress": {
                        "name": "Ada Lovelace", "line1": "12 Analytical St", "city": "London",
                        "postalCode": "N1 9GU", "country": "GB",
                    },
                } }),
                customer,
            )
            .await;
        let order = &placed["order"];
        assert_eq!(order["status"], "PENDING_PAYMENT", "{placed}");
        assert_eq!(order["total"]["amount"], ORDER_TOTAL, "{placed}");
        order["id"].as_str().unwrap().to_owned()
    }

    /// `payOrder` with the sandbox; its payload.
    pub async fn pay(&self, customer: &str, order_id: &str, token: &str, key: &str) -> Value {
        self.data(
            "payments",
            "payOrder",
            &format!(
                "mutation($i: PayOrderInput!) {{ payOrder(input: $i) {{ payment {{ {PAYMENT} }} userErrors {{ code field message }} }} }}"
            ),
            json!({ "i": {
                "orderId": order_id,
                "provider": "sandbox",
                "paymentMethodToken": token,
                "idempotencyKey": key,
            } }),
            customer,
        )
        .await
    }

    /// Pays `order` with `sandbox_ok` and waits until it is captured; the payment's id.
    pub async fn pay_in_full(&self, order: &Order) -> String {
        let paid = self
            .pay(&order.customer, &order.id, "sandbox_ok", "pay")
            .await;
        let payment = paid["payment"]["id"]
            .as_str()
            .unwrap_or_else(|| panic!("not paid: {paid}"))
            .to_owned();
        self.payment_reaches(&order.customer, &payment, "CAPTURED")
            .await;
        self.order_reaches(&order.customer, &order.id, "PAID").await;
        payment
    }

    /// A new customer's order, paid and captured: (order, payment id).
    pub async fn paid_order(&self) -> (Order, String) {
        let order = self.order().await;
        let payment = self.pay_in_full(&order).await;
        (order, payment)
    }

    /// `payment(id)` as `viewer` sees it.
    pub async fn payment(&self, viewer: &str, id: &str) -> Value {
        self.data(
            "payments",
            "payment",
            &format!("query($id: ID!) {{ payment(id: $id) {{ {PAYMENT} }} }}"),
            json!({ "id": id }),
            viewer,
        )
        .await
    }

    /// Waits for the payment to reach `status` (the processor decides asynchronously).
    pub async fn payment_reaches(&self, viewer: &str, id: &str, status: &str) -> Value {
        let reached = eventually(WAIT, || async {
            self.payment(viewer, id).await["status"] == status
        })
        .await;
        let payment = self.payment(viewer, id).await;
        assert!(reached, "the payment never became {status}: {payment}");
        payment
    }

    /// `Order.payments` as the router resolves it from payments, for `viewer`.
    pub async fn payments_of(&self, viewer: &str, order_id: &str) -> Vec<Value> {
        let entities = self
            .data(
                "payments",
                "_entities",
                &format!(
                    "query($r: [_Any!]!) {{ _entities(representations: $r) {{ ... on Order {{ payments {{ {PAYMENT} }} }} }} }}"
                ),
                json!({ "r": [{ "__typename": "Order", "id": order_id }] }),
                viewer,
            )
            .await;
        entities[0]["payments"]
            .as_array()
            .unwrap_or_else(|| panic!("no payments list: {entities}"))
            .clone()
    }

    /// `order(id)` from orders, as `viewer` sees it.
    pub async fn read_order(&self, viewer: &str, id: &str) -> Value {
        self.data(
            "orders",
            "order",
            "query($id: ID!) { order(id: $id) { id status statusHistory { to } } }",
            json!({ "id": id }),
            viewer,
        )
        .await
    }

    /// Waits for the order to reach `status` (orders follows payments' events).
    pub async fn order_reaches(&self, viewer: &str, id: &str, status: &str) -> Value {
        let reached = eventually(WAIT, || async {
            self.read_order(viewer, id).await["status"] == status
        })
        .await;
        let order = self.read_order(viewer, id).await;
        assert!(reached, "the order never became {status}: {order}");
        order
    }

    /// `refundPayment` as `viewer`; the whole response.
    pub async fn refund_as(&self, viewer: &str, payment: &str, amount: &str, key: &str) -> Value {
        self.gql(
            "payments",
            &format!(
                "mutation($i: RefundInput!) {{ refundPayment(input: $i) {{ payment {{ {PAYMENT} }} userErrors {{ code field message }} }} }}"
            ),
            json!({ "i": {
                "paymentId": payment,
                "amount": amount,
                "reason": "damaged in transit",
                "idempotencyKey": key,
            } }),
            viewer,
        )
        .await
    }

    /// `refundPayment` by staff; its payload.
    pub async fn refund(&self, payment: &str, amount: &str, key: &str) -> Value {
        let body = self.refund_as(&self.staff, payment, amount, key).await;
        assert!(body.get("errors").is_none(), "refundPayment: {body}");
        body["data"]["refundPayment"].clone()
    }

    /// The sandbox processor's own record of a charge (what it really took and gave back).
    pub async fn charge_record(&self, charge: &str) -> Value {
        reqwest::Client::new()
            .get(format!("http://{}/v1/charges/{charge}", self.sandbox.addr))
            .bearer_auth(SANDBOX_SECRET)
            .send()
            .await
            .expect("the sandbox answers")
            .json()
            .await
            .expect("a charge record")
    }

    /// Waits until every event payments recorded has reached its consumers (orders), so a
    /// test can tell an effect that never comes from one still on its way.
    pub async fn events_delivered(&self) {
        let db = &self.stack.subgraph("payments").runtime.db;
        let delivered = eventually(WAIT, || async {
            outbox::pending_count(db).await.expect("outbox") == 0
        })
        .await;
        assert!(delivered, "payments' events were not delivered");
    }

    /// POSTs a callback body to payments' sandbox webhook with this signature header.
    pub async fn callback(&self, body: &[u8], signature: &str) -> u16 {
        reqwest::Client::new()
            .post(format!(
                "{}/webhooks/payments/sandbox",
                self.stack.base_url("payments")
            ))
            .header("content-type", "application/json")
            .header(signature::HEADER, signature)
            .body(body.to_vec())
            .send()
            .await
            .expect("payments answers")
            .status()
            .as_u16()
    }
}

/// The sandbox processor, running.
struct Sandbox {
    addr: SocketAddr,
    shutdown: CancellationToken,
    serving: JoinHandle<std::io::Result<()>>,
}

impl Sandbox {
    /// The processor as the binary runs it, but predictable: every callback once and on
    /// time (duplicates and late ones are the callback tests' business), and late enough
    /// that `payOrder` has answered before it comes.
    fn serve(listener: TcpListener) -> Self {
        let addr = listener.local_addr().expect("bound");
        let shutdown = CancellationToken::new();
        let serving = tokio::spawn(processor::serve(
            listener,
            SANDBOX_SECRET.as_bytes().to_vec(),
            processor::Behaviour {
                delay: Duration::from_millis(200),
                duplicate_rate: 0.0,
                late_rate: 0.0,
                ..Default::default()
            },
            shutdown.clone(),
        ));
        Self {
            addr,
            shutdown,
            serving,
        }
    }

    /// Stops it and waits until its port is closed.
    async fn stop(&mut self) {
        self.shutdown.cancel();
        (&mut self.serving)
            .await
            .expect("the sandbox stops")
            .expect("the sandbox served");
    }
}

impl Drop for Shop {
    fn drop(&mut self) {
        self.sandbox.shutdown.cancel();
    }
}

/// A `charge.succeeded` callback for `payment` (as `payOrder` returned it), as the sandbox
/// would send it.
pub fn charge_succeeded(payment: &Value, event_id: &str) -> Vec<u8> {
    json!({
        "id": event_id,
        "type": "charge.succeeded",
        "created": chrono::Utc::now().timestamp(),
        "data": {
            "charge": payment["providerReference"],
            "reference": payment["id"],
            "amount": payment["amount"]["amount"],
            "currency": payment["amount"]["currency"],
        },
    })
    .to_string()
    .into_bytes()
}

/// The signature header over `body` with `secret`, made `age_secs` ago.
pub fn signed(secret: &str, age_secs: i64, body: &[u8]) -> String {
    signature::sign(
        secret.as_bytes(),
        chrono::Utc::now().timestamp() - age_secs,
        body,
    )
}

/// The first user error's field path.
pub fn field(payload: &Value) -> &Value {
    &payload["userErrors"][0]["field"]
}
