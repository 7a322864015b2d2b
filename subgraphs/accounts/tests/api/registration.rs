use micromall_kit::testing::Backend;
use serde_json::json;

use crate::support::{Accounts, PASSWORD, user_error_codes};
use micromall_kit::on_every_backend;

on_every_backend!(
    registration_creates_a_customer,
    registration_reports_every_invalid_field,
    emails_are_unique_regardless_of_case,
    twenty_concurrent_registrations_of_one_email_make_one_account,
);

async fn registration_creates_a_customer(backend: Backend) {
    let app = Accounts::start(backend).await;
    let body = app
        .register("  Ada@Example.com ", PASSWORD, " Ada Lovelace ")
        .await;
    let payload = &body["data"]["register"];
    assert_eq!(payload["userErrors"], json!([]));
    assert_eq!(payload["user"]["email"], "Ada@Example.com");
    assert_eq!(payload["user"]["name"], "Ada Lovelace");
    assert_eq!(payload["user"]["roles"], json!([{ "name": "customer" }]));
    // Signing in is case-insensitive on the email.
    app.login("ada@example.COM", PASSWORD).await;
}

async fn registration_reports_every_invalid_field(backend: Backend) {
    let app = Accounts::start(backend).await;
    let body = app.register("not-an-email", "short", "").await;
    let payload = &body["data"]["register"];
    assert_eq!(payload["user"], json!(null));
    let mut codes = user_error_codes(payload);
    codes.sort();
    assert_eq!(codes, ["INVALID_EMAIL", "INVALID_NAME", "WEAK_PASSWORD"]);
    let fields: Vec<_> = payload["userErrors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].clone())
        .collect();
    assert!(fields.contains(&json!(["input", "email"])), "{fields:?}");

    let long_name = app
        .register("b@example.com", PASSWORD, &"n".repeat(101))
        .await;
    assert_eq!(
        user_error_codes(&long_name["data"]["register"]),
        ["INVALID_NAME"]
    );
    let nine = app.register("c@example.com", "123456789", "Nine").await;
    assert_eq!(
        user_error_codes(&nine["data"]["register"]),
        ["WEAK_PASSWORD"]
    );
}

async fn emails_are_unique_regardless_of_case(backend: Backend) {
    let app = Accounts::start(backend).await;
    app.register("grace@example.com", PASSWORD, "Grace").await;
    let again = app
        .register("GRACE@example.com", PASSWORD, "Grace Again")
        .await;
    assert_eq!(
        user_error_codes(&again["data"]["register"]),
        ["EMAIL_TAKEN"]
    );
}

async fn twenty_concurrent_registrations_of_one_email_make_one_account(backend: Backend) {
    let app = Accounts::start(backend).await;
    let app = &app;
    let attempts = (0..20).map(|i| async move {
        let email = if i % 2 == 0 {
            "race@example.com"
        } else {
            "RACE@example.com"
        };
        app.register(email, PASSWORD, &format!("Racer {i}")).await
    });
    let results = futures::future::join_all(attempts).await;
    let created = results
        .iter()
        .filter(|r| r["data"]["register"]["user"].is_object())
        .count();
    let taken = results
        .iter()
        .filter(|r| user_error_codes(&r["data"]["register"]) == ["EMAIL_TAKEN"])
        .count();
    assert_eq!((created, taken), (1, 19), "{results:#?}");

    let admin = app.admin_token().await;
    let listed = app
        .gql(
            "{ users(query: \"race@\") { totalCount nodes { email } } }",
            json!({}),
            Some(&admin),
        )
        .await;
    assert_eq!(listed["data"]["users"]["totalCount"], 1, "{listed}");
}
